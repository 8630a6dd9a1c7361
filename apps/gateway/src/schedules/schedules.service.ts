import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  fireClock,
  nextFireTimes,
  parseScheduleDefinition,
  redactRequestSecrets,
  RequestValidationError,
  ScheduleEntry,
  ScheduleRun,
} from '@daedalus/contracts';
import { OperationStore, ScheduleStore } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { badRequest, conflict, notFound } from '../http/bad-request';
import { ScheduleRunView, ScheduleView } from './schedule-view';

const NEXT_FIRE_TIMES_SHOWN = 5;

/**
 * Schedules as the API sees them: defined and changed here, fired by the coordinators (apps/coordinator/src/schedules).
 * A new or changed schedule starts from now (its cursor): fire times before a change are not caught up.
 */
@Injectable()
export class SchedulesService {
  constructor(
    private readonly schedules: ScheduleStore,
    private readonly operations: OperationStore,
    private readonly clock: Clock,
  ) {}

  async create(body: unknown, createdBy?: string): Promise<ScheduleView> {
    const definition = parse(() => parseScheduleDefinition(body, () => randomUUID()));
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
    if (!(await this.schedules.create(entry)))
      throw conflict('id', `schedule ${definition.id} already exists; PUT /schedules/${definition.id} changes it`);
    return this.view(entry);
  }

  async replace(id: string, body: unknown): Promise<ScheduleView> {
    const definition = parse(() => parseScheduleDefinition(body, () => id, id));
    const now = this.clock.now().toISOString();
    const stored = await this.schedules.mutate(id, (current) => ({
      ...current,
      definition,
      updatedAt: now,
      anchor: now,
      cursor: now,
      // runs waiting for a window or for the previous run were of the old definition: they do not run
      runs: current.runs.map((run) =>
        run.state === 'queued' || run.state === 'waiting'
          ? { ...run, state: 'skipped', at: now, note: 'the schedule was changed before it ran' }
          : run,
      ),
    }));
    if (!stored) throw missing(id);
    return this.view(stored);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.schedules.get(id))) throw missing(id);
    await this.schedules.delete(id);
  }

  async get(id: string): Promise<ScheduleView> {
    const entry = await this.schedules.get(id);
    if (!entry) throw missing(id);
    return this.view(entry, true);
  }

  async list(): Promise<ScheduleView[]> {
    const entries = await this.schedules.list();
    const views = await Promise.all(entries.map((entry) => this.view(entry)));
    return views.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** With `withStates`, each run shows its operation's current state (one record read per run kept). */
  private async view(entry: ScheduleEntry, withStates = false): Promise<ScheduleView> {
    const { definition } = entry;
    const clock = fireClock({ ...definition, anchor: entry.anchor });
    const next = definition.suspended ? [] : nextFireTimes(clock, this.clock.now(), NEXT_FIRE_TIMES_SHOWN);
    const runs = await Promise.all(entry.runs.map((run) => (withStates ? this.runView(run) : Promise.resolve(run))));
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

  private async runView(run: ScheduleRun): Promise<ScheduleRunView> {
    const record = await this.operations.get(run.operationId);
    return record ? { ...run, operationState: record.state } : run;
  }
}

function parse<T>(parseIt: () => T): T {
  try {
    return parseIt();
  } catch (error) {
    if (error instanceof RequestValidationError) throw badRequest(error.errors, error.reason);
    throw error;
  }
}

const missing = (id: string) => notFound('id', `schedule ${JSON.stringify(id.slice(0, 64))} does not exist`);
