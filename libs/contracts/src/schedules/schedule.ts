import { OperationRequest } from '../requests/index';

export const CONCURRENCY_POLICIES = ['skip', 'queue'] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

/**
 * What became of one due fire time:
 * - `submitted`: its operation was submitted (the operation record says how it went);
 * - `skipped`: the previous run was still going (`concurrencyPolicy: skip`), or a run was queued already;
 * - `queued`: waits for the previous run to end (`concurrencyPolicy: queue`), then is submitted;
 * - `waiting`: due outside the maintenance window, submitted at the next window start;
 * - `missed`: no coordinator could fire it in time (past its window or the catch-up limit).
 */
export const SCHEDULE_RUN_STATES = ['submitted', 'skipped', 'queued', 'waiting', 'missed'] as const;
export type ScheduleRunState = (typeof SCHEDULE_RUN_STATES)[number];

export interface ScheduleRun {
  /** the fire time it is for (ISO) */
  fireTime: string;
  /** the operation id it has or would have (deterministic: `scheduleOperationId`) */
  operationId: string;
  state: ScheduleRunState;
  /** when the state was last set (ISO) */
  at: string;
  /** for `waiting`: the window start it waits for; for `missed`/`skipped`: why */
  note?: string;
  /** for `waiting`: when it may be submitted (ISO) */
  notBefore?: string;
}

export interface ScheduleWindow {
  /** a 5-field cron or `HH:MM` (daily), in the schedule's time zone */
  start: string;
  /** Go-style duration, e.g. `4h` */
  duration: string;
}

/** A schedule as a client defines it (POST/PUT body, validated by `parseScheduleDefinition`). */
export interface ScheduleDefinition {
  id: string;
  request: OperationRequest;
  schedule: string;
  timeZone: string;
  window?: ScheduleWindow;
  suspended: boolean;
  concurrencyPolicy: ConcurrencyPolicy;
  /** Go-style duration: how late a run may still be submitted when no window says otherwise */
  catchUp: string;
}

/**
 * The KV entry (bucket `daedalus-schedules`, key = schedule id). Coordinators change it by compare-and-set only,
 * so one fire time is decided once whatever the number of replicas.
 */
export interface ScheduleEntry {
  definition: ScheduleDefinition;
  createdAt: string;
  updatedAt: string;
  createdBy?: string;
  /** `@every` counts from here; set at creation and whenever the timing changes */
  anchor: string;
  /** every fire time up to this one (ISO) has been decided; set to now at creation, change and un-suspension */
  cursor: string;
  /** the last runs, newest last (at most SCHEDULE_RUNS_KEPT) */
  runs: ScheduleRun[];
}

export const SCHEDULE_RUNS_KEPT = 20;
export const DEFAULT_CATCH_UP = '10m';
