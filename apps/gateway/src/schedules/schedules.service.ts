import { HttpException, Injectable } from '@nestjs/common';
import { ScheduleBook, ScheduleOutcome } from '@daedalus/messaging';
import { badRequest, conflict, notFound } from '../http/bad-request';
import { ScheduleView } from './schedule-view';

/** `/schedules` over the shared ScheduleBook (the coordinators answer the same on NATS); refusals as HTTP errors. */
@Injectable()
export class SchedulesService {
  constructor(private readonly book: ScheduleBook) {}

  async create(body: unknown, createdBy?: string): Promise<ScheduleView> {
    return answer(await this.book.create(body, createdBy));
  }

  async replace(id: string, body: unknown): Promise<ScheduleView> {
    return answer(await this.book.replace(id, body));
  }

  async remove(id: string): Promise<void> {
    answer(await this.book.remove(id));
  }

  async get(id: string): Promise<ScheduleView> {
    return answer(await this.book.get(id));
  }

  list(): Promise<ScheduleView[]> {
    return this.book.list();
  }
}

function answer<T>(outcome: ScheduleOutcome<T>): T {
  if (outcome.ok) return outcome.value;
  const [first] = outcome.errors;
  const error: HttpException =
    outcome.status === 400
      ? badRequest(outcome.errors)
      : outcome.status === 404
        ? notFound(first.field, first.message)
        : conflict(first.field, first.message);
  throw error;
}
