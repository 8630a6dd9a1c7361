import 'reflect-metadata';
import { parseScheduleDefinition } from '@daedalus/contracts';
import { UsageError } from './exit-codes';
import type { ScheduleView } from './gateway-client';
import {
  changedScheduleDefinition,
  flagOfScheduleField,
  newScheduleDefinition,
  requestFromSource,
  withFieldChanges,
} from './schedule-definition';

const BACKUP = { type: 'backup', storageLocation: 's3://bucket/cluster', globalRequest: true, snapshotTag: 'nightly' };

/** A schedule as GET /schedules/{id} shows it: the view of a definition the gateway's own parser made. */
function viewOf(body: Record<string, unknown>): ScheduleView {
  const definition = parseScheduleDefinition(body, () => 'made-up');
  return {
    ...(JSON.parse(JSON.stringify(definition)) as Omit<ScheduleView, 'createdAt' | 'updatedAt' | 'nextFireTimes' | 'runs'>),
    createdAt: '2026-11-30T00:00:00.000Z',
    updatedAt: '2026-11-30T00:00:00.000Z',
    nextFireTimes: [],
    runs: [],
  };
}

describe('schedule definitions from flags', () => {
  it('makes the POST body from the flags given, leaving the others to the gateway’s defaults', () => {
    expect(newScheduleDefinition({ schedule: '@daily' }, BACKUP)).toEqual({ request: BACKUP, schedule: '@daily' });
    expect(
      newScheduleDefinition(
        {
          id: 'nightly',
          schedule: '30 2 * * *',
          timeZone: 'Europe/Berlin',
          windowStart: '01:00',
          windowDuration: '4h',
          suspended: true,
          concurrencyPolicy: 'queue',
          catchUp: '30m',
        },
        BACKUP,
      ),
    ).toEqual({
      id: 'nightly',
      request: BACKUP,
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      window: { start: '01:00', duration: '4h' },
      suspended: true,
      concurrencyPolicy: 'queue',
      catchUp: '30m',
    });
  });

  it('refuses what the gateway could only guess at, naming the flag', () => {
    expect(() => newScheduleDefinition({}, BACKUP)).toThrow(new UsageError('--schedule is required: a 5-field cron, @daily, @every 1h, …'));
    expect(() => newScheduleDefinition({ schedule: '@daily', windowStart: '01:00' }, BACKUP)).toThrow(
      /^--window-start needs --window-duration/,
    );
    expect(() => newScheduleDefinition({ schedule: '@daily', windowDuration: '4h' }, BACKUP)).toThrow(
      /^--window-duration needs --window-start/,
    );
  });

  it('changes what the flags say and keeps the rest of the current schedule (PUT replaces the whole definition)', () => {
    const current = viewOf({
      id: 'nightly',
      request: BACKUP,
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      window: { start: '01:00', duration: '4h' },
      concurrencyPolicy: 'queue',
    });
    const kept = {
      request: BACKUP,
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      window: { start: '01:00', duration: '4h' },
      suspended: false,
      concurrencyPolicy: 'queue',
      catchUp: '10m',
    };
    expect(changedScheduleDefinition(current, { suspended: true })).toEqual({ ...kept, suspended: true });
    expect(changedScheduleDefinition(current, { windowDuration: '2h' })).toEqual({ ...kept, window: { start: '01:00', duration: '2h' } });
    const { window: _dropped, ...withoutWindow } = kept;
    expect(changedScheduleDefinition(current, { window: false })).toEqual(withoutWindow);
    expect(() => changedScheduleDefinition(current, { window: false, windowStart: '02:00' })).toThrow(
      /^--no-window drops the window: give it without --window-start/,
    );
    const other = { type: 'flush', keyspace: 'shop', globalRequest: true };
    expect(changedScheduleDefinition(current, { schedule: '@weekly' }, other)).toEqual({ ...kept, schedule: '@weekly', request: other });
    // a schedule without a window gets one only with both flags
    const bare = viewOf({ id: 'bare', request: BACKUP, schedule: '@daily' });
    expect(() => changedScheduleDefinition(bare, { windowStart: '01:00' })).toThrow(/^--window-start needs --window-duration/);
  });

  it('suspends and resumes with a body the gateway’s own parser takes, equal but for suspended', () => {
    for (const request of [
      { ...BACKUP, bandwidth: { value: 10, unit: 'MBPS' }, entities: 'shop.orders,shop.customers' },
      { type: 'restore', storageLocation: 's3://b/c', snapshotTag: 'n', globalRequest: true, restorationStrategyType: 'HARDLINKS' },
      { type: 'remove-backup', storageLocation: 's3://b/c', backupName: 'nightly-1', globalRequest: true },
    ]) {
      const current = viewOf({ id: 'every', request, schedule: '@every 6h', window: { start: '0 1 * * 1-5', duration: '3h' } });
      const suspended = parseScheduleDefinition(changedScheduleDefinition(current, { suspended: true }), () => 'x', 'every');
      expect(suspended).toEqual({
        ...parseScheduleDefinition({ id: 'every', request, schedule: '@every 6h', window: current.window }, () => 'x'),
        suspended: true,
      });
    }
  });

  it('applies --field changes to the current request: nested, JSON-typed, null removes', () => {
    const request = { ...BACKUP, bandwidth: { value: 10, unit: 'MBPS' }, entities: 'shop' };
    expect(withFieldChanges(request, ['bandwidth.value=20', 'entities=null', 'concurrentConnections=4'])).toEqual({
      type: 'backup',
      storageLocation: 's3://bucket/cluster',
      globalRequest: true,
      snapshotTag: 'nightly',
      bandwidth: { value: 20, unit: 'MBPS' },
      concurrentConnections: 4,
    });
    expect(withFieldChanges(request, [])).toBe(request);
    expect(() => withFieldChanges(request, ['__proto__.x=1'])).toThrow(/^--field/);
  });

  it('reads the request from --request-file or --request, naming the flag when it is wrong', () => {
    const files: Record<string, string> = { '/r.json': JSON.stringify(BACKUP), '/list.json': '[1]', '/broken.json': '{' };
    const read = (path: string) => files[path];
    expect(requestFromSource({ requestFile: '/r.json' }, read)).toEqual(BACKUP);
    expect(requestFromSource({ request: '{"type":"flush","keyspace":"k"}' }, read)).toEqual({ type: 'flush', keyspace: 'k' });
    expect(requestFromSource({}, read)).toBeUndefined();
    expect(() => requestFromSource({ requestFile: '/r.json', request: '{}' }, read)).toThrow('give --request-file or --request, not both');
    expect(() => requestFromSource({ requestFile: '/missing.json' }, read)).toThrow('--request-file: /missing.json does not exist');
    expect(() => requestFromSource({ requestFile: '/list.json' }, read)).toThrow(/^--request-file takes a JSON object/);
    expect(() => requestFromSource({ requestFile: '/broken.json' }, read)).toThrow(/^--request-file: not JSON/);
    expect(() => requestFromSource({ request: 'backup' }, read)).toThrow(/^--request: not JSON/);
  });

  it('names the flag of each field the gateway’s 400 names', () => {
    const requestFlag = (field: string) => (field === '' ? 'the command' : `--${field}`);
    expect(flagOfScheduleField('timeZone', requestFlag, '--id')).toBe('--time-zone');
    expect(flagOfScheduleField('window.duration', requestFlag, '--id')).toBe('--window-duration');
    expect(flagOfScheduleField('catchUp', requestFlag, '--id')).toBe('--catch-up');
    expect(flagOfScheduleField('concurrencyPolicy', requestFlag, '--id')).toBe('--concurrency-policy');
    expect(flagOfScheduleField('id', requestFlag, '<id>')).toBe('<id>');
    expect(flagOfScheduleField('request', requestFlag, '--id')).toBe('the command');
    expect(flagOfScheduleField('request.keyspace', requestFlag, '--id')).toBe('--keyspace');
    expect(flagOfScheduleField('body', requestFlag, '--id')).toBeUndefined();
  });
});
