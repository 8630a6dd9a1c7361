/**
 * Backbone end to end: gateway → JetStream → coordinators → node agents → real JMX (simulator) and back,
 * with every service a separate process. Requires `npm run build` (scripts/test.sh does it).
 */
import { DaedalusSystem, OperationView } from '../support/system';
import { sleep } from '../support/processes';

// The coordinator-kill test freezes every agent (SIGSTOP) while an operation starts; once resumed, a sweep
// that runs before their next heartbeat lands must not find them silent past this. 8 s left too little
// room on a loaded 2-core machine (freeze + submit + RUNNING poll + SIGKILL, plus a heartbeat interval).
const NODE_TIMEOUT_MS = 15_000;

describe('backbone: one operation flows through every service', () => {
  let system: DaedalusSystem;

  beforeAll(async () => {
    system = await DaedalusSystem.start({ nodes: 3, coordinators: 2, nodeTimeoutMs: NODE_TIMEOUT_MS, ackWaitMs: 3_000 });
    await system.createTables('ks1', ['t1', 't2'], 50);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  async function submit(body: Record<string, unknown>, headers?: Record<string, string>): Promise<OperationView> {
    const response = await system.post('/operations', body, headers);
    expect(response.status).toBe(201);
    return response.body as OperationView;
  }

  async function liveSSTables(index: number, table: string): Promise<string[]> {
    return (await system.simOf(system.nodes[index]).liveSSTables('ks1', table)) as string[];
  }

  it('runs a global flush on every node, over real JMX, to COMPLETED with progress 1.0', async () => {
    for (const index of [0, 1, 2]) expect(await liveSSTables(index, 't1')).toEqual([]);
    const created = await submit({ type: 'flush', keyspace: 'ks1', tables: ['t1'], globalRequest: true });
    expect(created).toMatchObject({ type: 'flush', state: 'PENDING', keyspace: 'ks1', globalRequest: true });

    const done = await system.waitForOperation(created.id);
    expect(done.state).toBe('COMPLETED');
    expect(done.progress).toBe(1);
    expect(done.errors).toEqual([]);
    expect(done.nodes.map((n) => n.hostId).sort()).toEqual(system.nodes.map((n) => n.hostId).sort());
    expect(done.nodes.every((n) => n.state === 'COMPLETED' && n.progress === 1)).toBe(true);
    // The flush really happened on each node: t1's memtable became an SSTable; t2 was not named and was not flushed.
    for (const index of [0, 1, 2]) {
      expect((await liveSSTables(index, 't1')).length).toBeGreaterThan(0);
      expect(await liveSSTables(index, 't2')).toEqual([]);
    }
  });

  it('runs a local request on the node it names', async () => {
    const target = system.nodes[1];
    const created = await submit({ type: 'flush', keyspace: 'ks1', tables: 't2', hostId: target.hostId });
    const done = await system.waitForOperation(created.id);
    expect(done.state).toBe('COMPLETED');
    expect(done.nodes.map((n) => n.hostId)).toEqual([target.hostId]);
    expect((await liveSSTables(1, 't2')).length).toBeGreaterThan(0);
    expect(await liveSSTables(0, 't2')).toEqual([]);
  });

  it('refuses a keyspace no node has with a 400 naming the field (the agents registered their schema)', async () => {
    const response = await system.post('/operations', { type: 'flush', keyspace: 'nosuchks', globalRequest: true });
    expect(response.status).toBe(400);
    expect((response.body as { errors: unknown[] }).errors).toEqual([{ field: 'keyspace', message: 'keyspace nosuchks does not exist' }]);
  });

  it('yields one operation for a duplicate submission (same id, or same Idempotency-Key)', async () => {
    const id = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
    const body = { type: 'flush', keyspace: 'ks1', globalRequest: true, id };
    const [first, second] = await Promise.all([system.post('/operations', body), system.post('/operations', body)]);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect((first.body as OperationView).id).toBe(id);
    expect((second.body as OperationView).id).toBe(id);
    expect([first.headers.get('idempotent-replayed'), second.headers.get('idempotent-replayed')]).toContain('true');
    await system.waitForOperation(id);

    const keyed = { type: 'flush', keyspace: 'ks1', globalRequest: true };
    const a = await system.post('/operations', keyed, { 'Idempotency-Key': 'nightly-flush-42' });
    const b = await system.post('/operations', keyed, { 'Idempotency-Key': 'nightly-flush-42' });
    expect((a.body as OperationView).id).toBe((b.body as OperationView).id);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    await system.waitForOperation((a.body as OperationView).id);

    const all = (await system.get('/operations?type=flush')).body as OperationView[];
    expect(all.filter((op) => op.id === id)).toHaveLength(1);
    expect(all.filter((op) => op.id === (a.body as OperationView).id)).toHaveLength(1);
    // newest first
    const times = all.map((op) => String(op.creationTime));
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('answers 20 malformed requests with a 4xx naming the problem, and keeps serving', async () => {
    const bad: Array<[string | Record<string, unknown>, string]> = [
      ['{not json', 'body'],
      ['[]', 'body'],
      ['"flush"', 'body'],
      ['null', 'body'],
      [{}, 'type'],
      [{ type: 7 }, 'type'],
      [{ type: 'explode' }, 'type'],
      [{ type: 'flush' }, 'keyspace'],
      [{ type: 'flush', keyspace: 12 }, 'keyspace'],
      [{ type: 'flush', keyspace: 'ks-1' }, 'keyspace'],
      [{ type: 'flush', keyspace: 'k'.repeat(100) }, 'keyspace'],
      [{ type: 'flush', keyspace: 'ks1', tables: [{}] }, 'tables'],
      [{ type: 'flush', keyspace: 'ks1', globalRequest: 'perhaps' }, 'globalRequest'],
      [{ type: 'flush', keyspace: 'ks1', globalRequest: true, unknownField: 1 }, 'unknownField'],
      [{ type: 'flush', keyspace: 'ks1', globalRequest: true, id: 'not-a-uuid' }, 'id'],
      [{ type: 'flush', keyspace: 'ks1', hostId: '00000000-0000-4000-8000-000000000000' }, 'hostId'],
      [{ type: 'flush', keyspace: 'ks1' }, 'globalRequest'],
      [{ type: 'flush', keyspace: 'ks1', globalRequest: true, tables: 'a b' }, 'tables'],
      [{ type: 'flush', keyspace: 'ks1', globalRequest: true, padding: 'x'.repeat(400_000) }, 'body'],
      [{ type: 'commitlog-restore', storageLocation: 's3://bucket/c/d/n' }, 'timestampEnd'],
    ];
    expect(bad).toHaveLength(20);
    for (const [body, field] of bad) {
      const response = await system.post('/operations', body);
      expect({ body, status: response.status >= 400 && response.status < 500 }).toEqual({ body, status: true });
      const errors = (response.body as { errors?: Array<{ field: string }> }).errors ?? [];
      expect({ body, fields: errors.map((e) => e.field) }).toEqual({ body, fields: expect.arrayContaining([field]) });
    }
    expect((await system.get('/healthz')).status).toBe(200);
    const ok = await submit({ type: 'flush', keyspace: 'ks1', globalRequest: true });
    expect((await system.waitForOperation(ok.id)).state).toBe('COMPLETED');
  });

  it('answers 404 for an unknown operation and 202 for a cancel', async () => {
    expect((await system.get('/operations/3f2504e0-4f89-41d3-9a0c-0305e82c3301')).status).toBe(404);
    expect((await system.get('/operations/not-a-uuid')).status).toBe(404);
    const created = await submit({ type: 'flush', keyspace: 'ks1', globalRequest: true });
    const cancel = await system.request('DELETE', `/operations/${created.id}`);
    expect(cancel.status).toBe(202);
    const done = await system.waitForOperation(created.id);
    expect(['COMPLETED', 'CANCELLED']).toContain(done.state); // a flush may finish before the cancel lands
  });

  it('serves topology, status and versions from the registered nodes', async () => {
    const topology = (await system.get('/topology')).body as { clusterName: string; topology: Array<Record<string, unknown>> };
    expect(topology.clusterName).toBe('daedalus-test');
    expect(topology.topology.map((n) => n.nodeId).sort()).toEqual(system.nodes.map((n) => n.hostId).sort());
    expect(topology.topology.map((n) => n.ipAddress).sort()).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
    expect((await system.get('/topology/dc1')).status).toBe(200);
    expect((await system.get('/topology/nodc')).status).toBe(404);
    // several nodes and no --local-node: single-node endpoints say so rather than guess
    expect((await system.get('/status')).status).toBe(503);
    expect(((await system.get('/version/sidecar')).body as { version: string }).version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('finishes an operation whose coordinator is killed (SIGKILL) in the middle of it', async () => {
    const [first, second] = system.coordinators;
    const agents = [...system.agents];
    // Freeze the other coordinator and the agents so the operation is surely mid-way when the first dies.
    process.kill(second.pid, 'SIGSTOP');
    agents.forEach((agent) => process.kill(agent.pid, 'SIGSTOP'));
    let id = '';
    try {
      id = (await submit({ type: 'flush', keyspace: 'ks1', globalRequest: true })).id;
      const running = await system.waitForOperation(id, (op) => op.state === 'RUNNING', 20_000);
      expect(running.nodes.every((n) => n.state === 'PENDING')).toBe(true);
      await system.group.kill(first, 'SIGKILL');
    } finally {
      agents.forEach((agent) => process.kill(agent.pid, 'SIGCONT'));
      process.kill(second.pid, 'SIGCONT');
    }
    const done = await system.waitForOperation(id, undefined, 60_000);
    expect(done.state).toBe('COMPLETED');
    expect(done.progress).toBe(1);
    // bring the replica count back for the tests that follow
    await system.startCoordinator(0);
  });

  it('fails the operation, naming the node, when an agent dies and never comes back', async () => {
    const victim = system.nodes[2];
    const agent = system.agents[2];
    process.kill(agent.pid, 'SIGSTOP'); // holds its command so the node surely owes a result
    const id = (await submit({ type: 'flush', keyspace: 'ks1', globalRequest: true })).id;
    await system.waitForOperation(id, (op) => op.state === 'RUNNING', 20_000);
    await system.group.kill(agent, 'SIGKILL');
    const started = Date.now();
    const done = await system.waitForOperation(id, undefined, NODE_TIMEOUT_MS + 20_000);
    expect(done.state).toBe('FAILED');
    expect(done.errors).toEqual([
      { source: `${victim.hostId} (${victim.address})`, message: expect.stringContaining('stopped heartbeating') },
    ]);
    expect(Date.now() - started).toBeLessThan(NODE_TIMEOUT_MS + 15_000);
    // the other two nodes did their part
    expect(done.nodes.filter((n) => n.state === 'COMPLETED')).toHaveLength(2);
    await sleep(10);
  });
});
