import { fireClock, fireTimesBetween, nextFireTimes, parseGoDuration, windowClock } from './schedule-times';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const at = (text: string) => new Date(text);

describe('schedule fire times', () => {
  describe('30 2 * * * in Europe/Berlin across the DST changes (croner)', () => {
    const clock = fireClock({ schedule: '30 2 * * *', timeZone: 'Europe/Berlin', anchor: '2026-01-01T00:00:00Z' });

    it('spring forward (29 Mar 2026, 02:00 → 03:00): 02:30 does not exist, the run fires once at 03:00 CEST', () => {
      expect(iso(nextFireTimes(clock, at('2026-03-27T12:00:00Z'), 4))).toEqual([
        '2026-03-28T01:30:00.000Z', // 02:30 CET
        '2026-03-29T01:00:00.000Z', // 03:00 CEST: the first instant after the gap, not skipped
        '2026-03-30T00:30:00.000Z', // 02:30 CEST
        '2026-03-31T00:30:00.000Z',
      ]);
    });

    it('fall back (25 Oct 2026, 03:00 → 02:00): 02:30 happens twice, the run fires once, at the first', () => {
      expect(iso(nextFireTimes(clock, at('2026-10-23T12:00:00Z'), 4))).toEqual([
        '2026-10-24T00:30:00.000Z', // 02:30 CEST
        '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first of the two; not again at 01:30Z (02:30 CET)
        '2026-10-26T01:30:00.000Z', // 02:30 CET
        '2026-10-27T01:30:00.000Z',
      ]);
    });

    it('one run per local day whatever the offset: 7 days around each change give 7 runs', () => {
      expect(fireTimesBetween(clock, at('2026-03-26T00:00:00Z'), at('2026-04-02T00:00:00Z'), 100).times).toHaveLength(7);
      expect(fireTimesBetween(clock, at('2026-10-22T00:00:00Z'), at('2026-10-29T00:00:00Z'), 100).times).toHaveLength(7);
    });
  });

  it('@midnight is local midnight in the schedule time zone (UTC+2 in summer, UTC+1 in winter)', () => {
    const clock = fireClock({ schedule: '@midnight', timeZone: 'Europe/Berlin', anchor: '2026-01-01T00:00:00Z' });
    expect(iso(nextFireTimes(clock, at('2026-10-24T12:00:00Z'), 2))).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
  });

  it('@every counts from the anchor, so every replica computes the same instants', () => {
    const clock = fireClock({ schedule: '@every 1h30m', timeZone: 'UTC', anchor: '2026-05-01T10:00:07Z' });
    expect(iso(nextFireTimes(clock, at('2026-05-01T10:00:07Z'), 3))).toEqual([
      '2026-05-01T11:30:07.000Z',
      '2026-05-01T13:00:07.000Z',
      '2026-05-01T14:30:07.000Z',
    ]);
    expect(iso(nextFireTimes(clock, at('2026-05-01T12:00:00Z'), 1))).toEqual(['2026-05-01T13:00:07.000Z']);
  });

  it('fireTimesBetween keeps the latest ones when more came due than asked for', () => {
    const clock = fireClock({ schedule: '@every 2s', timeZone: 'UTC', anchor: '2026-05-01T00:00:00Z' });
    const { times, dropped } = fireTimesBetween(clock, at('2026-05-01T00:00:00Z'), at('2026-05-01T00:00:20Z'), 3);
    expect(iso(times)).toEqual(['2026-05-01T00:00:16.000Z', '2026-05-01T00:00:18.000Z', '2026-05-01T00:00:20.000Z']);
    expect(dropped).toBe(7);
  });

  it('parses Go durations strictly', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('2s')).toBe(2_000);
    expect(parseGoDuration('90m')).toBe(5_400_000);
    for (const bad of ['', '1.5h', '300ms', '-1s', '1d', '2', 's', '1s1h']) expect(parseGoDuration(bad)).toBeUndefined();
  });

  it('a window holds [start, start + duration) in its time zone and knows the next start', () => {
    const window = windowClock('0 1 * * *', 'Europe/Berlin', 2 * 3600_000); // 01:00-03:00 local, CEST = UTC+2
    expect(window.holding(at('2026-06-10T23:00:00Z'))?.start.toISOString()).toBe('2026-06-10T23:00:00.000Z');
    expect(window.holding(at('2026-06-11T00:59:59Z'))?.end.toISOString()).toBe('2026-06-11T01:00:00.000Z');
    expect(window.holding(at('2026-06-11T01:00:00Z'))).toBeUndefined();
    expect(window.nextStart(at('2026-06-11T01:00:00Z'))?.toISOString()).toBe('2026-06-11T23:00:00.000Z');
  });
});
