/**
 * Schedules end to end: CRUD over HTTP (400s naming the field), and firing by two coordinators — `@every 2s` for
 * about 20 s, one coordinator SIGKILLed half-way: every due fire time is decided once (submitted, or skipped while
 * the previous run was still going), each submitted run is exactly one operation (ids derived from the schedule
 * and the fire time, `submittedBy: schedule:<id>`), and a suspended schedule fires nothing. A flush is the run:
 * cheap. Requires `npm run build`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ManageScheduleReply, SCHEMA_VERSION, scheduleOperationId, Subjects } from '@daedalus/contracts';
import { DaedalusSystem, OperationView } from '../support/system';

interface RunView {
  fireTime: string;
  operationId: string;
  state: string;
  operationState?: string;
}
interface ScheduleView {
  id: string;
  createdAt: string;
  suspended: boolean;
  nextFireTimes: string[];
  runs: RunView[];
}

const FLUSH = { type: 'flush', keyspace: 'sched', globalRequest: true };

describe('schedules (1 node, 2 coordinators)', () => {
  let system: DaedalusSystem;

  beforeAll(async () => {
    system = await DaedalusSystem.start({ nodes: 1, coordinators: 2 });
    await system.createTables('sched', ['t'], 0);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  const fieldsOf = (body: unknown) => ((body as { errors?: Array<{ field: string }> }).errors ?? []).map((e) => e.field);

  it('defines, reads, changes and deletes schedules; refuses invalid ones naming the field', async () => {
    for (const [body, fields] of [
      [{ request: FLUSH, schedule: '* * * * * *' }, ['schedule']],
      [{ request: FLUSH, schedule: '@daily', timeZone: 'Mars/Olympus' }, ['timeZone']],
      [{ request: { type: 'flush' }, schedule: '@daily' }, ['request.keyspace']],
      [{ request: FLUSH, schedule: '@every 1.5h', concurrencyPolicy: 'replace' }, ['schedule', 'concurrencyPolicy']],
      [{ request: FLUSH, schedule: '@daily', window: { start: '01:00', duration: 'long' } }, ['window.duration']],
    ] as const) {
      const answer = await system.post('/schedules', body);
      expect({ body, status: answer.status, fields: fieldsOf(answer.body) }).toEqual({ body, status: 400, fields });
    }
    const created = await system.post('/schedules', { id: 'nightly', request: FLUSH, schedule: '30 2 * * *', timeZone: 'Europe/Berlin' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/schedules/nightly');
    expect((await system.post('/schedules', { id: 'nightly', request: FLUSH, schedule: '@daily' })).status).toBe(409);

    const read = await system.get('/schedules/nightly');
    expect(read.status).toBe(200);
    const view = read.body as ScheduleView;
    expect(view.nextFireTimes).toHaveLength(5);
    // 02:30 in Berlin is 00:30 or 01:30 UTC (summer / winter)
    for (const time of view.nextFireTimes) expect(time).toMatch(/T0[01]:30:00\.000Z$/);

    const changed = await system.request('PUT', '/schedules/nightly', { request: FLUSH, schedule: '@midnight', suspended: true });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: 'nightly', schedule: '@midnight', suspended: true, nextFireTimes: [] });
    expect(fieldsOf((await system.request('PUT', '/schedules/nightly', { request: FLUSH, schedule: '@often' })).body)).toEqual([
      'schedule',
    ]);
    expect((await system.request('PUT', '/schedules/nobody', { request: FLUSH, schedule: '@daily' })).status).toBe(404);
    expect(((await system.get('/schedules')).body as ScheduleView[]).map((s) => s.id)).toContain('nightly');
    expect((await system.request('DELETE', '/schedules/nightly')).status).toBe(204);
    expect((await system.get('/schedules/nightly')).status).toBe(404);
  }, 60_000);

  it('answers the same on NATS (daedalus.schedules.manage, any one coordinator)', async () => {
    const nc = await system.connectNats();
    try {
      const ask = async (body: object): Promise<ManageScheduleReply> =>
        (
          await nc.request(Subjects.manageSchedules, JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...body }), { timeout: 10_000 })
        ).json();
      const definition = { id: 'over-nats', request: FLUSH, schedule: '@weekly', suspended: true };
      expect(await ask({ action: 'create', definition, requestedBy: 'test' })).toMatchObject({
        ok: true,
        status: 201,
        schedule: { id: 'over-nats' },
      });
      const invalid = await ask({ action: 'create', definition: { ...definition, id: 'other', timeZone: 'Nowhere/Else' } });
      expect(invalid).toMatchObject({ ok: false, status: 400, errors: [{ field: 'timeZone' }] });
      expect(await ask({ action: 'create', definition })).toMatchObject({ ok: false, status: 409 });
      // what NATS made, HTTP shows
      expect((await system.get('/schedules/over-nats')).body).toMatchObject({ id: 'over-nats', schedule: '@weekly', createdBy: 'test' });
      expect(await ask({ action: 'replace', id: 'over-nats', definition: { ...definition, schedule: '@monthly' } })).toMatchObject({
        ok: true,
        status: 200,
        schedule: { schedule: '@monthly' },
      });
      expect((await ask({ action: 'list' })).schedules?.map((s) => (s as { id: string }).id)).toContain('over-nats');
      expect(await ask({ action: 'delete', id: 'over-nats' })).toMatchObject({ ok: true, status: 204 });
      expect(await ask({ action: 'get', id: 'over-nats' })).toMatchObject({ ok: false, status: 404, errors: [{ field: 'id' }] });
      expect(await ask({ action: 'explode' })).toMatchObject({ ok: false });
    } finally {
      await nc.close();
    }
  }, 60_000);

  it('@every 2s with two coordinators, one SIGKILLed half-way: each due run decided once, each submitted run one operation; a suspended schedule fires nothing', async () => {
    expect((await system.post('/schedules', { id: 'idle', request: FLUSH, schedule: '@every 2s', suspended: true })).status).toBe(201);
    const created = await system.post('/schedules', { id: 'often', request: FLUSH, schedule: '@every 2s' });
    expect(created.status).toBe(201);
    const anchor = Date.parse((created.body as ScheduleView).createdAt);

    await sleep(10_000);
    await system.group.kill(system.coordinators[0], 'SIGKILL');
    await sleep(10_000);
    // stop it, then let submissions in flight land
    expect((await system.request('PUT', '/schedules/often', { request: FLUSH, schedule: '@every 2s', suspended: true })).status).toBe(200);
    await sleep(3_000);

    const runs = ((await system.get('/schedules/often')).body as ScheduleView).runs;
    // every fire time from the first on, in order, none twice, none left out
    const expected = runs.map((_, i) => new Date(anchor + (i + 1) * 2_000).toISOString());
    expect(runs.map((r) => r.fireTime)).toEqual(expected);
    expect(runs.length).toBeGreaterThanOrEqual(8);
    expect(runs.filter((r) => r.state === 'missed')).toEqual([]);
    for (const run of runs) {
      expect(['submitted', 'skipped']).toContain(run.state);
      expect(run.operationId).toBe(scheduleOperationId('often', new Date(run.fireTime)));
    }
    const submitted = runs.filter((r) => r.state === 'submitted');
    expect(submitted.length).toBeGreaterThanOrEqual(3);

    // the operations the schedules created: exactly the submitted runs, each once; none for the suspended one
    const operations = (await system.get('/operations?type=flush')).body as OperationView[];
    const ofOften = operations.filter((op) => op.submittedBy === 'schedule:often').map((op) => op.id);
    expect([...ofOften].sort()).toEqual(submitted.map((r) => r.operationId).sort());
    expect(operations.filter((op) => op.submittedBy === 'schedule:idle')).toEqual([]);
    expect(((await system.get('/schedules/idle')).body as ScheduleView).runs).toEqual([]);
    for (const id of ofOften) expect((await system.waitForOperation(id)).state).toBe('COMPLETED');
  }, 180_000);
});
