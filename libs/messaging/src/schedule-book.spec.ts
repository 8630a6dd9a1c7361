import { ActiveMarker, OperationStore } from './stores';
import { MemoryJsonKv } from './testing/memory-json-kv';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import { newOperationRecord, OperationRecord, OperationRequest, ScheduleEntry, scheduleOperationId } from '@daedalus/contracts';
import { ScheduleBook } from './schedule-book';
import { ScheduleStore } from './schedule-store';

const FLUSH = { type: 'flush', keyspace: 'ks', globalRequest: true };

function book() {
  const clock = new ManualClock('2026-05-01T10:00:00Z');
  const schedules = new ScheduleStore(new MemoryJsonKv<ScheduleEntry>(clock));
  const operations = new OperationStore(new MemoryJsonKv<OperationRecord>(clock), new MemoryJsonKv<ActiveMarker>(clock));
  return { clock, schedules, operations, book: new ScheduleBook(schedules, operations, clock) };
}

describe('ScheduleBook', () => {
  it('creates a schedule starting now, shows its next 5 fire times, refuses the same id (409) and invalid fields (400)', async () => {
    const { book: b } = book();
    const created = await b.create({ id: 'hourly', request: FLUSH, schedule: '@hourly' }, 'token:ci');
    expect(created).toMatchObject({ ok: true, value: { id: 'hourly', createdBy: 'token:ci', runs: [] } });
    if (created.ok) expect(created.value.nextFireTimes).toEqual(['11', '12', '13', '14', '15'].map((h) => `2026-05-01T${h}:00:00.000Z`));
    expect(await b.create({ id: 'hourly', request: FLUSH, schedule: '@daily' })).toMatchObject({
      ok: false,
      status: 409,
      errors: [{ field: 'id' }],
    });
    expect(await b.create({ request: FLUSH, schedule: '@hourly', suspended: 1 })).toMatchObject({
      ok: false,
      status: 400,
      errors: [{ field: 'suspended' }],
    });
    expect(await b.get('nope')).toMatchObject({ ok: false, status: 404 });
    expect(await b.get('../x')).toMatchObject({ ok: false, status: 404 });
  });

  it('shows each run with the state of its operation record', async () => {
    const { book: b, schedules, operations } = book();
    await b.create({ id: 'often', request: FLUSH, schedule: '@every 10s' });
    const fireTime = new Date('2026-05-01T10:00:10Z');
    const operationId = scheduleOperationId('often', fireTime);
    await operations.create(newOperationRecord(operationId, { ...FLUSH, id: operationId } as unknown as OperationRequest, fireTime, '1.0'));
    await schedules.mutate('often', (entry) => ({
      ...entry,
      runs: [{ fireTime: fireTime.toISOString(), operationId, state: 'submitted', at: fireTime.toISOString() }],
    }));
    expect(await b.get('often')).toMatchObject({
      ok: true,
      value: { runs: [{ operationId, state: 'submitted', operationState: 'PENDING' }] },
    });
  });

  it('a replace starts the schedule again from now and drops runs still queued or waiting; suspended shows no next fire times', async () => {
    const { book: b, schedules, clock } = book();
    await b.create({ id: 'often', request: FLUSH, schedule: '@every 10s', concurrencyPolicy: 'queue' });
    await schedules.mutate('often', (entry) => ({
      ...entry,
      runs: [{ fireTime: '2026-05-01T10:00:10.000Z', operationId: 'x', state: 'queued', at: '2026-05-01T10:00:10.000Z' }],
    }));
    clock.advance(60_000);
    const replaced = await b.replace('often', { request: FLUSH, schedule: '@every 10s', suspended: true });
    expect(replaced).toMatchObject({ ok: true, value: { suspended: true, nextFireTimes: [], runs: [{ state: 'skipped' }] } });
    const stored = await schedules.get('often');
    expect(stored).toMatchObject({
      anchor: '2026-05-01T10:01:00.000Z',
      cursor: '2026-05-01T10:01:00.000Z',
      createdAt: '2026-05-01T10:00:00.000Z',
    });
    expect(await b.replace('often', { id: 'other', request: FLUSH, schedule: '@daily' })).toMatchObject({
      ok: false,
      status: 400,
      errors: [{ field: 'id' }],
    });
    expect(await b.replace('missing', { request: FLUSH, schedule: '@daily' })).toMatchObject({ ok: false, status: 404 });
    expect(await b.remove('often')).toEqual({ ok: true, value: undefined });
    expect(await b.remove('often')).toMatchObject({ ok: false, status: 404 });
  });
});
