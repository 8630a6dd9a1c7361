import { Provider } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  FieldError,
  fireClock,
  isScheduleId,
  nextFireTimes,
  OperationState,
  parseScheduleDefinition,
  redactRequestSecrets,
  RequestValidationError,
  ScheduleEntry,
  ScheduleRun,
  ScheduleWindow,
} from '@daedalus/contracts';
import { Clock } from '@daedalus/common';
import { OperationStore } from './stores';
import { ScheduleStore } from './schedule-store';

const NEXT_FIRE_TIMES_SHOWN = 5;

/** A run as shown: what the scheduler decided, and the state of its operation record when one exists. */
export interface ScheduleRunSummary extends ScheduleRun {
  operationState?: OperationState;
}

/** A schedule as the API (HTTP and NATS) shows it. */
export interface ScheduleSummary {
  id: string;
  request: Record<string, unknown>;
  schedule: string;
  timeZone: string;
  window?: ScheduleWindow;
  suspended: boolean;
  concurrencyPolicy: string;
  catchUp: string;
  createdAt: string;
  updatedAt: string;
  createdBy?: string;
  nextFireTimes: string[];
  runs: ScheduleRunSummary[];
}

/** What a change or a read came to: the schedule, or a refusal as an HTTP status with the fields at fault. */
export type ScheduleOutcome<T> = { ok: true; value: T } | { ok: false; status: 400 | 404 | 409; errors: FieldError[] };

const refused = (status: 400 | 404 | 409, errors: FieldError[]) => ({ ok: false as const, status, errors });
const missing = (id: string) => refused(404, [{ field: 'id', message: `schedule ${JSON.stringify(id.slice(0, 64))} does not exist` }]);

/**
 * Defining, changing, reading and deleting schedules: the one implementation behind `/schedules` (gateway) and
 * `daedalus.schedules.manage` (coordinators). A new or changed schedule starts from now (`anchor` and `cursor`):
 * fire times before a change are not caught up; runs still queued or waiting for a window are dropped (skipped).
 */
export class ScheduleBook {
  constructor(
    private readonly schedules: ScheduleStore,
    private readonly operations: OperationStore,
    private readonly clock: Clock,
  ) {}

  async create(body: unknown, createdBy?: string): Promise<ScheduleOutcome<ScheduleSummary>> {
    const parsed = parse(() => parseScheduleDefinition(body, () => randomUUID()));
    if (!parsed.ok) return parsed;
    const definition = parsed.value;
    const now = this.clock.now().toISOString();
    const entry: ScheduleEntry = {
      definition,
      createdAt: now,
      updatedAt: now,
      ...(createdBy !== undefined ? { createdBy } : {}),
      anchor: now,
      cursor: now,
      runs: [],
    };
    if (!(await this.schedules.create(entry))) {
      return refused(409, [{ field: 'id', message: `schedule ${definition.id} already exists; replace it to change it` }]);
    }
    return { ok: true, value: await this.summary(entry) };
  }

  async replace(id: string, body: unknown): Promise<ScheduleOutcome<ScheduleSummary>> {
    if (!isScheduleId(id)) return missing(id);
    const parsed = parse(() => parseScheduleDefinition(body, () => id, id));
    if (!parsed.ok) return parsed;
    const now = this.clock.now().toISOString();
    const stored = await this.schedules.mutate(id, (current) => ({
      ...current,
      definition: parsed.value,
      updatedAt: now,
      anchor: now,
      cursor: now,
      runs: current.runs.map((run) =>
        run.state === 'queued' || run.state === 'waiting'
          ? { ...run, state: 'skipped', at: now, note: 'the schedule was changed before it ran' }
          : run,
      ),
    }));
    return stored ? { ok: true, value: await this.summary(stored) } : missing(id);
  }

  async remove(id: string): Promise<ScheduleOutcome<undefined>> {
    if (!isScheduleId(id) || !(await this.schedules.get(id))) return missing(id);
    await this.schedules.delete(id);
    return { ok: true, value: undefined };
  }

  /** One schedule, each run with its operation's current state (one record read per run kept). */
  async get(id: string): Promise<ScheduleOutcome<ScheduleSummary>> {
    const entry = isScheduleId(id) ? await this.schedules.get(id) : undefined;
    return entry ? { ok: true, value: await this.summary(entry, true) } : missing(id);
  }

  async list(): Promise<ScheduleSummary[]> {
    const summaries = await Promise.all((await this.schedules.list()).map((entry) => this.summary(entry)));
    return summaries.sort((a, b) => a.id.localeCompare(b.id));
  }

  private async summary(entry: ScheduleEntry, withStates = false): Promise<ScheduleSummary> {
    const { definition } = entry;
    const next = definition.suspended
      ? []
      : nextFireTimes(fireClock({ ...definition, anchor: entry.anchor }), this.clock.now(), NEXT_FIRE_TIMES_SHOWN);
    const runs = withStates ? await Promise.all(entry.runs.map((run) => this.withState(run))) : entry.runs;
    return {
      id: definition.id,
      request: redactRequestSecrets(definition.request) as unknown as Record<string, unknown>,
      schedule: definition.schedule,
      timeZone: definition.timeZone,
      ...(definition.window ? { window: definition.window } : {}),
      suspended: definition.suspended,
      concurrencyPolicy: definition.concurrencyPolicy,
      catchUp: definition.catchUp,
      createdAt: entry.createdAt,
      updatedAt: entry.updatedAt,
      ...(entry.createdBy !== undefined ? { createdBy: entry.createdBy } : {}),
      nextFireTimes: next.map((d) => d.toISOString()),
      runs,
    };
  }

  private async withState(run: ScheduleRun): Promise<ScheduleRunSummary> {
    const record = await this.operations.get(run.operationId);
    return record ? { ...run, operationState: record.state } : run;
  }
}

function parse<T>(parseIt: () => T): ScheduleOutcome<T> {
  try {
    return { ok: true, value: parseIt() };
  } catch (error) {
    if (error instanceof RequestValidationError) return refused(400, error.errors);
    throw error;
  }
}

/** The ScheduleBook of a service (its schedules bucket and operation store). */
export const scheduleBookProvider: Provider = {
  provide: ScheduleBook,
  inject: [ScheduleStore, OperationStore, Clock],
  useFactory: (schedules: ScheduleStore, operations: OperationStore, clock: Clock) => new ScheduleBook(schedules, operations, clock),
};
