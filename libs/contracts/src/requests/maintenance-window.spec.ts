import { parseOperationRequest, RequestValidationError } from './index';
import { windowClock } from '../schedules/schedule-times';
import { maintenanceWindowClock, maintenanceWindowShapeErrors, windowDurationMs, windowStateAt } from './maintenance-window';

const at = (iso: string) => new Date(iso);

describe('maintenance window', () => {
  it('reads ISO-8601 and short durations', () => {
    expect(windowDurationMs('PT2H')).toBe(7200_000);
    expect(windowDurationMs('P1DT30M')).toBe(86_400_000 + 1800_000);
    expect(windowDurationMs('2h')).toBe(7200_000);
    expect(windowDurationMs('1h30m')).toBe(5400_000);
    expect(windowDurationMs('15s')).toBe(15_000);
    for (const bad of ['', 'P', 'PT', '2x', '0s', 'PT0S', '-1h']) expect(windowDurationMs(bad)).toBeUndefined();
  });

  it('is open from each start for its duration, and says when it opens next otherwise', () => {
    const everyMinute = { start: '* * * * *', duration: '15s' };
    expect(windowStateAt(everyMinute, at('2026-01-01T00:00:00Z'))).toEqual({ open: true, closesAt: at('2026-01-01T00:00:15Z') });
    expect(windowStateAt(everyMinute, at('2026-01-01T00:00:14.999Z'))).toMatchObject({ open: true });
    expect(windowStateAt(everyMinute, at('2026-01-01T00:00:15Z'))).toEqual({ open: false, opensAt: at('2026-01-01T00:01:00Z') });
  });

  it('reads HH:MM in the time zone given, across midnight and a DST change', () => {
    const nightly = { start: '22:00', duration: '4h', timeZone: 'Europe/Berlin' };
    // 22:00 in Berlin is 21:00 UTC in winter
    expect(windowStateAt(nightly, at('2026-01-10T20:59:00Z'))).toEqual({ open: false, opensAt: at('2026-01-10T21:00:00Z') });
    expect(windowStateAt(nightly, at('2026-01-11T00:30:00Z'))).toEqual({ open: true, closesAt: at('2026-01-11T01:00:00Z') });
    // and 20:00 UTC in summer (CEST): the window follows the zone's clock
    expect(windowStateAt(nightly, at('2026-07-10T20:30:00Z'))).toEqual({ open: true, closesAt: at('2026-07-11T00:00:00Z') });
    expect(windowStateAt({ start: '22:00', duration: '1h' }, at('2026-07-10T21:30:00Z'))).toMatchObject({ open: false });
  });

  it('names each malformed field', () => {
    expect(maintenanceWindowShapeErrors({ start: '0 22 * *', duration: '5x', timeZone: 'No/Where', extra: 1 }).map((e) => e.field)).toEqual(
      ['maintenanceWindow', 'maintenanceWindow.timeZone', 'maintenanceWindow.start', 'maintenanceWindow.duration'],
    );
    expect(maintenanceWindowShapeErrors({ start: '0 0 22 * * *', duration: '32 days' }).map((e) => e.field)).toEqual([
      'maintenanceWindow.start',
      'maintenanceWindow.duration',
    ]);
    expect(maintenanceWindowShapeErrors('22:00')).toEqual([expect.objectContaining({ field: 'maintenanceWindow' })]);
    expect(maintenanceWindowShapeErrors({ start: '25:00', duration: '1h' })).toEqual([
      expect.objectContaining({ field: 'maintenanceWindow.start' }),
    ]);
  });

  it('is accepted on a global backup and refused where nodes do not take turns', () => {
    const window = { start: '22:00', duration: 'PT2H', timeZone: 'UTC' };
    expect(
      parseOperationRequest({ type: 'backup', storageLocation: 's3://b', globalRequest: true, maintenanceWindow: window }),
    ).toMatchObject({
      maintenanceWindow: window,
    });
    try {
      parseOperationRequest({ type: 'truncate', keyspace: 'ks', table: 't', globalRequest: true, maintenanceWindow: window });
      throw new Error('accepted');
    } catch (error) {
      expect((error as RequestValidationError).errors).toEqual([
        expect.objectContaining({ field: 'maintenanceWindow', message: expect.stringContaining('does not run node by node') }),
      ]);
    }
  });

  it("is one clock: a request's window and a schedule's window agree every 5 minutes across both DST changes", () => {
    // 02:30-04:30 Berlin local: on 29 Mar 2026 02:30 does not exist (croner: the first instant after the gap), on
    // 25 Oct 2026 it happens twice (croner: the first)
    const request = { start: '02:30', duration: '2h', timeZone: 'Europe/Berlin' };
    const schedule = windowClock('30 2 * * *', 'Europe/Berlin', 2 * 3600_000);
    for (const day of ['2026-03-28T22:00:00Z', '2026-10-24T22:00:00Z']) {
      for (let minute = 0; minute < 8 * 60; minute += 5) {
        const now = new Date(Date.parse(day) + minute * 60_000);
        const state = windowStateAt(request, now);
        const held = schedule.holding(now);
        expect({ now, open: state.open, closesAt: state.open ? state.closesAt : undefined }).toEqual({
          now,
          open: held !== undefined,
          closesAt: held?.end,
        });
        if (!state.open) expect(state.opensAt).toEqual(schedule.nextStart(now));
      }
    }
    // spring forward: opens at 03:00 CEST (01:00 UTC); fall back: opens once, at the first 02:30 (00:30 UTC)
    expect(windowStateAt(request, at('2026-03-29T00:59:00Z'))).toEqual({ open: false, opensAt: at('2026-03-29T01:00:00Z') });
    expect(windowStateAt(request, at('2026-10-25T00:30:00Z'))).toEqual({ open: true, closesAt: at('2026-10-25T02:30:00Z') });
    expect(windowStateAt(request, at('2026-10-25T02:30:00Z'))).toMatchObject({ open: false });
  });

  it('overlapping windows: the one holding a moment is the latest started, so it closes last', () => {
    const clock = maintenanceWindowClock('0 * * * *', 'UTC', 90 * 60_000); // hourly, 90 minutes each
    expect(clock.holding(at('2026-01-01T01:20:00Z'))).toEqual({ start: at('2026-01-01T01:00:00Z'), end: at('2026-01-01T02:30:00Z') });
    expect(clock.stateAt(at('2026-01-01T01:20:00Z'))).toEqual({ open: true, closesAt: at('2026-01-01T02:30:00Z') });
  });
});
