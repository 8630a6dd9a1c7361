import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ManageScheduleReply, ManageScheduleRequest, SCHEMA_VERSION, Subjects } from '@daedalus/contracts';
import { ScheduleBook, ScheduleOutcome } from '@daedalus/messaging';

/**
 * `/schedules` for direct NATS clients: any one coordinator answers (queue group `coordinators`), through the
 * same ScheduleBook as the gateway, so validation and answers are the same. Who may ask is NATS's to decide
 * (permissions: the gateway's HTTP roles do not apply to a direct client). A request that is not a
 * ManageSchedule message is answered `ok: false` by the transport.
 */
@Controller()
export class ScheduleRequestsHandler {
  constructor(private readonly book: ScheduleBook) {}

  @MessagePattern(Subjects.manageSchedules)
  async answer(@Payload() request: ManageScheduleRequest): Promise<ManageScheduleReply> {
    const id = request.id ?? '';
    switch (request.action) {
      case 'create':
        return reply(await this.book.create(request.definition, request.requestedBy), 201);
      case 'replace':
        return reply(await this.book.replace(id, request.definition), 200);
      case 'delete':
        return reply(await this.book.remove(id), 204);
      case 'get':
        return reply(await this.book.get(id), 200);
      case 'list':
        return { schemaVersion: SCHEMA_VERSION, ok: true, status: 200, schedules: await this.book.list() };
    }
  }
}

function reply(outcome: ScheduleOutcome<object | undefined>, status: number): ManageScheduleReply {
  if (!outcome.ok) {
    return {
      schemaVersion: SCHEMA_VERSION,
      ok: false,
      status: outcome.status,
      errors: outcome.errors,
      error: outcome.errors.map((e) => e.message).join('; '),
    };
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    ok: true,
    status,
    ...(outcome.value ? { schedule: outcome.value as Record<string, unknown> } : {}),
  };
}
