import { parseScheduleDefinition, ScheduleEntry, ScheduleRun, scheduleOperationId } from '@daedalus/contracts';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import { planSchedule } from './schedule-planner';

const flush = { type: 'flush', keyspace: 'ks', globalRequest: true };

function entryOf(body: Record<string, unknown>, created: string): ScheduleEntry {
  const definition = parseScheduleDefinition({ id: 'nightly', request: flush, ...body }, () => 'unused');
  return { definition, createdAt: created, updatedAt: created, anchor: created, cursor: created, runs: [] };
}

/** Looks at the schedule every `stepMs` until `until`, as one coordinator would; returns every run submitted. */
function drive(entry: ScheduleEntry, clock: ManualClock, until: string, stepMs: number, busy = () => false) {
  const submitted: ScheduleRun[] = [];
  let current = entry;
  while (clock.now().getTime() < Date.parse(until)) {
    clock.advance(stepMs);
    const decision = planSchedule(current, { now: clock.now(), busy: busy() });
    submitted.push(...decision.submit);
    if (decision.next) current = decision.next;
  }
  return { submitted, entry: current };
}

describe('planSchedule (a fake clock drives it)', () => {
  it('@every 2s looked at every second: each fire time submitted once, with its deterministic operation id', () => {
    const clock = new ManualClock('2026-05-01T00:00:00Z');
    const { submitted } = drive(entryOf({ schedule: '@every 2s' }, '2026-05-01T00:00:00Z'), clock, '2026-05-01T00:00:20Z', 1_000);
    const times = Array.from({ length: 10 }, (_, i) => new Date(Date.parse('2026-05-01T00:00:02Z') + i * 2_000));
    expect(submitted.map((r) => r.fireTime)).toEqual(times.map((t) => t.toISOString()));
    expect(submitted.map((r) => r.operationId)).toEqual(times.map((t) => scheduleOperationId('nightly', t)));
  });

  it('30 2 * * * in Europe/Berlin over the spring-forward and fall-back weeks: once a local day, at 02:30 or 03:00 on the gap day', () => {
    for (const [from, until, expected] of [
      [
        '2026-03-27T12:00:00Z',
        '2026-03-30T12:00:00Z',
        ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z'],
      ],
      [
        '2026-10-23T12:00:00Z',
        '2026-10-26T12:00:00Z',
        ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
      ],
    ] as const) {
      const clock = new ManualClock(from);
      const entry = entryOf({ schedule: '30 2 * * *', timeZone: 'Europe/Berlin' }, from);
      expect(drive(entry, clock, until, 5 * 60_000).submitted.map((r) => r.fireTime)).toEqual(expected);
    }
  });

  it('@midnight fires at local midnight', () => {
    const clock = new ManualClock('2026-10-24T12:00:00Z');
    const entry = entryOf({ schedule: '@midnight', timeZone: 'Europe/Berlin' }, '2026-10-24T12:00:00Z');
    expect(drive(entry, clock, '2026-10-26T12:00:00Z', 5 * 60_000).submitted.map((r) => r.fireTime)).toEqual([
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ]);
  });

  it('a suspended schedule fires nothing and records nothing', () => {
    const clock = new ManualClock('2026-05-01T00:00:00Z');
    const entry = entryOf({ schedule: '@every 2s', suspended: true }, '2026-05-01T00:00:00Z');
    const result = drive(entry, clock, '2026-05-01T00:01:00Z', 1_000);
    expect(result.submitted).toEqual([]);
    expect(result.entry).toBe(entry);
  });

  it('skip: a run due while the previous one is still going is recorded skipped, never submitted', () => {
    const entry = entryOf({ schedule: '@every 10s' }, '2026-05-01T00:00:00Z');
    const decision = planSchedule(entry, { now: new Date('2026-05-01T00:00:11Z'), busy: true });
    expect(decision.submit).toEqual([]);
    expect(decision.next?.runs).toMatchObject([
      { fireTime: '2026-05-01T00:00:10.000Z', state: 'skipped', note: 'the previous run is still going' },
    ]);
  });

  it('queue: the run waits for the previous one (one at most; a later one is skipped), then is submitted', () => {
    const entry = entryOf({ schedule: '@every 10s', concurrencyPolicy: 'queue' }, '2026-05-01T00:00:00Z');
    const first = planSchedule(entry, { now: new Date('2026-05-01T00:00:21Z'), busy: true });
    expect(first.submit).toEqual([]);
    expect(first.next?.runs.map((r) => r.state)).toEqual(['queued', 'skipped']);
    const still = planSchedule(first.next!, { now: new Date('2026-05-01T00:00:22Z'), busy: true });
    expect(still.submit).toEqual([]);
    const ended = planSchedule(first.next!, { now: new Date('2026-05-01T00:00:23Z'), busy: false });
    expect(ended.submit.map((r) => r.fireTime)).toEqual(['2026-05-01T00:00:10.000Z']);
    expect(ended.next?.runs.map((r) => r.state)).toEqual(['submitted', 'skipped']);
  });

  it('missed while every coordinator was down: the late ones are missed, one inside the catch-up limit is fired once', () => {
    const entry = entryOf({ schedule: '@every 10m', catchUp: '15m' }, '2026-05-01T00:00:00Z');
    const decision = planSchedule(entry, { now: new Date('2026-05-01T01:00:00Z'), busy: false });
    expect(decision.next?.runs.map((r) => [r.fireTime.slice(11, 16), r.state])).toEqual([
      ['00:10', 'missed'],
      ['00:20', 'missed'],
      ['00:30', 'missed'],
      ['00:40', 'missed'],
      ['00:50', 'submitted'],
      ['01:00', 'skipped'],
    ]);
    expect(decision.submit).toHaveLength(1);
  });

  describe('maintenance window (01:00 for 2h, UTC)', () => {
    const hourly = { schedule: '@hourly', window: { start: '01:00', duration: '2h' } };

    it('a run due outside the window waits for its start (recorded), later ones before it are skipped', () => {
      const entry = entryOf(hourly, '2026-05-01T04:30:00Z');
      const due = planSchedule(entry, { now: new Date('2026-05-01T06:00:01Z'), busy: false });
      expect(due.submit).toEqual([]);
      expect(due.next?.runs).toMatchObject([
        { fireTime: '2026-05-01T05:00:00.000Z', state: 'waiting', notBefore: '2026-05-02T01:00:00.000Z' },
        { fireTime: '2026-05-01T06:00:00.000Z', state: 'skipped' },
      ]);
      // (the hours in between were looked at and recorded skipped too; only the look at the window's start matters here)
      const opened = planSchedule(
        { ...due.next!, cursor: '2026-05-02T00:59:00Z' },
        { now: new Date('2026-05-02T01:00:00.500Z'), busy: false },
      );
      expect(opened.submit.map((r) => r.fireTime)).toEqual(['2026-05-01T05:00:00.000Z']);
      expect(opened.next?.runs.find((r) => r.fireTime === '2026-05-02T01:00:00.000Z')?.state).toBe('skipped');
    });

    it('missed-run recovery inside the window: fired once', () => {
      const entry = entryOf(hourly, '2026-05-01T00:30:00Z');
      const decision = planSchedule(entry, { now: new Date('2026-05-01T02:30:00Z'), busy: false });
      expect(decision.next?.runs.map((r) => [r.fireTime.slice(11, 16), r.state])).toEqual([
        ['01:00', 'submitted'],
        ['02:00', 'skipped'],
      ]);
    });

    it('missed-run recovery after the window closed: recorded missed, the next run waits for the next window', () => {
      const entry = entryOf(hourly, '2026-05-01T00:30:00Z');
      const decision = planSchedule(entry, { now: new Date('2026-05-01T03:30:00Z'), busy: false });
      expect(decision.submit).toEqual([]);
      expect(decision.next?.runs.map((r) => [r.fireTime.slice(11, 16), r.state])).toEqual([
        ['01:00', 'missed'],
        ['02:00', 'missed'],
        ['03:00', 'waiting'],
      ]);
    });
  });

  it('two replicas that looked at once: the one whose write lost records the run it submitted as submitted', () => {
    const entry = entryOf({ schedule: '@every 10s' }, '2026-05-01T00:00:00Z');
    const now = new Date('2026-05-01T00:00:10.500Z');
    const a = planSchedule(entry, { now, busy: false });
    // replica B read the previous run as still going and wrote first: the run skipped
    const b = planSchedule(entry, { now, busy: true });
    expect(b.next?.runs[0].state).toBe('skipped');
    const again = planSchedule(b.next!, { now, busy: false, submitted: new Set(a.submit.map((r) => r.operationId)) });
    expect(again.submit).toEqual([]);
    expect(again.next?.runs).toMatchObject([{ operationId: a.submit[0].operationId, state: 'submitted' }]);
  });

  it('keeps the last 20 runs, and an older one still waiting for its window', () => {
    const clock = new ManualClock('2026-05-01T02:00:00Z');
    const entry = entryOf({ schedule: '@every 1m', window: { start: '01:00', duration: '1h' } }, '2026-05-01T02:00:00Z');
    const { entry: after } = drive(entry, clock, '2026-05-01T03:00:00Z', 30_000);
    expect(after.runs).toHaveLength(21);
    expect(after.runs[0]).toMatchObject({ fireTime: '2026-05-01T02:01:00.000Z', state: 'waiting', notBefore: '2026-05-02T01:00:00.000Z' });
    expect(after.runs.slice(1).every((run) => run.state === 'skipped')).toBe(true);
  });
});
