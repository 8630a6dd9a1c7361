import { Inject, Injectable } from '@nestjs/common';
import { JetStreamClient } from '@nats-io/jetstream';
import {
  newOperationRecord,
  OperationRequest,
  parallelRequestErrors,
  SCHEMA_VERSION,
  ScheduleDefinition,
  ScheduleRun,
  scheduleSubmitter,
} from '@daedalus/contracts';
import { JETSTREAM, OperationStore, publishSubmission } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';

/**
 * Submits a schedule's run as the gateway submits an operation: the PENDING record created create-only, then
 * SubmitOperation with `Nats-Msg-Id: submit.<operationId>`. The run's operation id is derived from the schedule
 * and the fire time, so a second submission of the same run (another replica, or this one after a crash) finds
 * the record there and is dropped by JetStream; the submit handler validates and starts it like any other.
 */
@Injectable()
export class ScheduleSubmitter {
  constructor(
    private readonly operations: OperationStore,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    private readonly clock: Clock,
  ) {}

  /** true when this call created the run's record (false: another replica, or an earlier look, did) */
  async submit(definition: ScheduleDefinition, run: ScheduleRun): Promise<boolean> {
    const now = this.clock.now();
    // the request as stored (plain JSON, validated when the schedule was defined; the submit handler validates it again)
    const request = withScheduleWindow(definition, { ...definition.request, id: run.operationId } as OperationRequest);
    const record = newOperationRecord(run.operationId, request, now, SCHEMA_VERSION, scheduleSubmitter(definition.id));
    // created or already there: either way it is this run's record, and publishing again is harmless
    const created = await this.operations.create(record);
    await publishSubmission(this.js, record, now);
    return created;
  }
}

/**
 * A run of a schedule with a maintenance window carries that window as its `maintenanceWindow` (unless the request
 * names its own), so its nodes not started when the window closes wait for the next one. Only where the request
 * takes one: a global operation whose nodes take turns (see "Gentle on the cluster"); other runs go as defined.
 */
export function withScheduleWindow(definition: ScheduleDefinition, request: OperationRequest): OperationRequest {
  if (!definition.window || request.maintenanceWindow !== undefined) return request;
  const maintenanceWindow = { start: definition.window.start, duration: definition.window.duration, timeZone: definition.timeZone };
  const windowed = { ...request, maintenanceWindow } as OperationRequest;
  return parallelRequestErrors(windowed).length === 0 ? windowed : request;
}
