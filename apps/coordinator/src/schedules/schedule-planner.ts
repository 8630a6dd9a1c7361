import {
  fireClock,
  fireTimesBetween,
  parseGoDuration,
  SCHEDULE_RUNS_KEPT,
  ScheduleEntry,
  ScheduleRun,
  scheduleOperationId,
  windowClock,
  WindowClock,
  windowStartPattern,
} from '@daedalus/contracts';

/** What one look at a schedule decided: the runs to submit now, and the entry to write (undefined: unchanged). */
export interface ScheduleDecision {
  submit: ScheduleRun[];
  next?: ScheduleEntry;
}

export interface PlanInput {
  now: Date;
  /** whether the schedule's newest submitted run is still going (its operation record is not terminal) */
  busy: boolean;
  /** operation ids this replica submitted already in this look: those runs are submitted whatever else holds */
  submitted?: ReadonlySet<string>;
}

/**
 * Decides every fire time of a schedule that came due since its cursor, and the runs that were waiting (for a
 * window or for the previous run). Pure: the scheduler reads the entry and the previous run's state, submits what
 * this returns, and writes `next` by compare-and-set, so one fire time is decided once whatever the replicas.
 *
 * A due fire time is submitted while it is not late: inside the window that holds it, or (no window) within the
 * schedule's `catchUp`; past that it is `missed` (no coordinator was running in time). One due outside the window
 * `waits` for the next window start. When the previous run still goes, `skip` records it skipped and `queue`
 * queues it (one at a most: a later one while a run is queued is skipped).
 */
export function planSchedule(entry: ScheduleEntry, input: PlanInput): ScheduleDecision {
  const { definition } = entry;
  if (definition.suspended) return { submit: [] };
  const now = input.now;
  const at = now.toISOString();
  const catchUpMs = parseGoDuration(definition.catchUp) ?? 0;
  const window = definition.window
    ? windowClock(windowStartPattern(definition.window), definition.timeZone, parseGoDuration(definition.window.duration) ?? 0)
    : undefined;
  const windowMs = definition.window ? (parseGoDuration(definition.window.duration) ?? 0) : 0;
  const runs = entry.runs.map((run) => ({ ...run }));
  const submit: ScheduleRun[] = [];
  let busy = input.busy;
  let changed = false;

  const decide = (run: ScheduleRun, deadline: number): void => {
    changed = true;
    run.at = at;
    delete run.notBefore;
    if (input.submitted?.has(run.operationId)) {
      run.state = 'submitted';
      delete run.note;
      busy = true;
    } else if (now.getTime() >= deadline) {
      run.state = 'missed';
      run.note = `not submitted by ${new Date(deadline).toISOString()} (no coordinator was running in time)`;
    } else if (!busy) {
      run.state = 'submitted';
      delete run.note;
      submit.push(run);
      busy = true;
    } else if (definition.concurrencyPolicy === 'queue' && !runs.some((r) => r.state === 'queued' && r !== run)) {
      run.state = 'queued';
      run.note = 'the previous run is still going: submitted when it ends';
    } else {
      run.state = 'skipped';
      run.note =
        definition.concurrencyPolicy === 'queue'
          ? 'the previous run is still going and a run is queued already'
          : 'the previous run is still going';
    }
  };

  // what this replica submitted is submitted, whatever another replica recorded from an older look
  for (const run of runs) {
    if (input.submitted?.has(run.operationId) && run.state !== 'submitted') {
      Object.assign(run, { state: 'submitted', at, note: 'submitted by a replica that decided at the same time' });
      changed = true;
    }
  }
  // a queued run goes as soon as the previous one ended; it is never late (it was due in time)
  for (const run of runs) if (run.state === 'queued' && !busy) decide(run, Number.POSITIVE_INFINITY);
  // runs that waited for a window go at its start, and are late once it closed
  for (const run of runs) {
    if (run.state === 'waiting' && run.notBefore && Date.parse(run.notBefore) <= now.getTime())
      decide(run, Date.parse(run.notBefore) + windowMs);
  }

  const { times } = fireTimesBetween(fireClock({ ...definition, anchor: entry.anchor }), new Date(entry.cursor), now, SCHEDULE_RUNS_KEPT);
  for (const fireTime of times) {
    const run: ScheduleRun = {
      fireTime: fireTime.toISOString(),
      operationId: scheduleOperationId(definition.id, fireTime),
      state: 'missed',
      at,
    };
    runs.push(run);
    changed = true;
    const held = window?.holding(fireTime);
    if (window && !held) {
      waitForWindow(run, window, fireTime, runs);
      if (run.state === 'waiting' && run.notBefore && Date.parse(run.notBefore) <= now.getTime())
        decide(run, Date.parse(run.notBefore) + windowMs);
      continue;
    }
    decide(run, held ? held.end.getTime() : fireTime.getTime() + catchUpMs);
  }

  // nothing came due: nothing to write (the cursor stays; the next fire time is still after it)
  if (!changed) return { submit };
  return { submit, next: { ...entry, cursor: at, runs: kept(runs) } };
}

/** The last SCHEDULE_RUNS_KEPT runs, and any older one still queued or waiting (it is not decided yet). */
function kept(runs: ScheduleRun[]): ScheduleRun[] {
  const cut = runs.length - SCHEDULE_RUNS_KEPT;
  return runs.filter((run, index) => index >= cut || run.state === 'queued' || run.state === 'waiting');
}

/** A fire time outside the window waits for the next window start (one run per window: a later one is skipped). */
function waitForWindow(run: ScheduleRun, window: WindowClock, fireTime: Date, runs: ScheduleRun[]): void {
  const start = window.nextStart(fireTime);
  if (!start) {
    run.state = 'missed';
    run.note = 'no maintenance window starts after it';
    return;
  }
  const notBefore = start.toISOString();
  if (runs.some((r) => r !== run && r.state === 'waiting' && r.notBefore === notBefore)) {
    run.state = 'skipped';
    run.note = `due outside the maintenance window; a run already waits for the window at ${notBefore}`;
    return;
  }
  run.state = 'waiting';
  run.notBefore = notBefore;
  run.note = `due outside the maintenance window: submitted when it opens at ${notBefore}`;
}
