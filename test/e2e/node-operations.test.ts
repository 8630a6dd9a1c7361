/**
 * Every Icarus node operation end to end, through the gateway, on a 3-node simulated Cassandra 4.1 cluster
 * (real JMX), local and global, with the effects checked on the nodes themselves, plus the refusals: unknown
 * names and invalid fields (400), truncate not enabled (400 / FAILED), nodes already drained or
 * decommissioned (FAILED naming the node). Destructive operations run last. Requires `npm run build`.
 *
 * Agents 1 and 2 run with --enable-truncate, agent 3 without. Compaction-like work is throttled to 4 MiB/s
 * so a scrub or cleanup of the 12 MiB table `ops.big` runs long enough to watch progress and cancel it.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { waitFor } from '../support/processes';
import { DaedalusSystem, OperationView, SimulatedNode } from '../support/system';

const STORAGE_SERVICE = 'org.apache.cassandra.db:type=StorageService';
const COMPACTION_MANAGER = 'org.apache.cassandra.db:type=CompactionManager';
const ROWS = 200;

describe('node operations through the gateway (3 nodes, Cassandra 4.1)', () => {
  let system: DaedalusSystem;
  let n1: SimulatedNode;
  let n2: SimulatedNode;
  let n3: SimulatedNode;

  beforeAll(async () => {
    system = await DaedalusSystem.start({
      nodes: 3,
      coordinators: 1,
      // Tests below freeze an agent (SIGSTOP) while the gateway and coordinator must still treat its node as
      // heartbeating (up to a 20 s bounded wait): no test here relies on a node timing out.
      nodeTimeoutMs: 30_000,
      agentArgs: ['--progress-interval-ms', '200'],
      agentArgsByNode: { 0: ['--enable-truncate'], 1: ['--enable-truncate'] },
      simulatorArgs: ['--compaction-throughput-mib', '4'],
      // answers asserted as `source: 'live'` (a NATS request, a JMX read behind it) get a few seconds on a
      // loaded machine; the silent-agent test pays this wait once for /status and once for /topology
      gatewayArgs: ['--local-node', '127.0.0.1', '--node-query-timeout-ms', '5000'],
    });
    [n1, n2, n3] = system.nodes;
    await system.createTables('ops', ['t1', 't2', 'big', 'gone'], ROWS);
    await createKeyspace('rf1', { class: 'SimpleStrategy', replication_factor: '1' }, ['c']);
    await createKeyspace('rb', { class: 'NetworkTopologyStrategy', dc1: '3' }, ['r']);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  // ------------------------------------------------------------------ helpers

  async function createKeyspace(keyspace: string, replication: Record<string, string>, tables: string[]): Promise<void> {
    await system.simOf(n1).createKeyspace(keyspace, replication);
    for (const table of tables) await system.simOf(n1).createTable(keyspace, table);
    await system.waitForSchema(keyspace, tables);
  }

  async function submit(body: Record<string, unknown>): Promise<OperationView> {
    const response = await system.post('/operations', body);
    expect({ body, status: response.status, answer: response.body }).toMatchObject({ status: 201 });
    return response.body as OperationView;
  }

  /** Submits and waits for the end; checks the final state. */
  async function run(body: Record<string, unknown>, state = 'COMPLETED'): Promise<OperationView> {
    const done = await system.waitForOperation((await submit(body)).id);
    expect({ body, state: done.state, errors: done.errors }).toMatchObject({ state });
    return done;
  }

  async function rejected(body: Record<string, unknown>): Promise<Array<{ field: string; message: string }>> {
    const response = await system.post('/operations', body);
    expect({ body, status: response.status }).toEqual({ body, status: 400 });
    return (response.body as { errors: Array<{ field: string; message: string }> }).errors;
  }

  const source = (node: SimulatedNode) => `${node.hostId} (${node.address})`;
  const resultOf = (done: OperationView, node: SimulatedNode) =>
    (done.nodes as Array<{ hostId: string; result?: unknown }>).find((n) => n.hostId === node.hostId)?.result;
  const rows = async (node: SimulatedNode, ks: string, table: string) => Number(await system.simOf(node).rowCount(ks, table));
  const live = async (node: SimulatedNode, ks: string, table: string) => (await system.simOf(node).liveSSTables(ks, table)) as string[];
  const checksum = async (node: SimulatedNode, ks: string, table: string) => String(await system.simOf(node).checksum(ks, table));
  const mode = async (node: SimulatedNode) => String(await system.attribute(node, STORAGE_SERVICE, 'OperationMode'));

  function tableDir(node: SimulatedNode, ks: string, table: string): string {
    const dir = join(node.home, 'data', 'data', ks);
    const name = readdirSync(dir).find((n) => n.startsWith(`${table}-`));
    if (!name) throw new Error(`no directory for ${ks}.${table} on node ${node.index + 1}`);
    return join(dir, name);
  }

  /** Copies every component of the SSTable of `dataFile` into `toDir` under another generation. */
  function copySSTable(dataFile: string, toDir: string, generation: number): void {
    const prefix = basename(dataFile).replace(/Data\.db$/, ''); // e.g. nb-3-big-
    const [version, , format] = prefix.split('-');
    mkdirSync(toDir, { recursive: true });
    for (const file of readdirSync(dirname(dataFile)).filter((f) => f.startsWith(prefix))) {
      copyFileSync(join(dirname(dataFile), file), join(toDir, `${version}-${generation}-${format}-${file.slice(prefix.length)}`));
    }
  }

  function snapshots(node: SimulatedNode, ks: string, table: string): string[] {
    const dir = join(tableDir(node, ks, table), 'snapshots');
    return existsSync(dir) ? readdirSync(dir) : [];
  }

  // ------------------------------------------------------------------ operations that keep the cluster

  it("flush (global) turns every node's memtables into SSTables", async () => {
    for (const node of system.nodes) expect(await live(node, 'ops', 't1')).toEqual([]);
    const done = await run({ type: 'flush', keyspace: 'ops', globalRequest: true });
    expect(done.nodes.map((n) => n.state)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    for (const node of system.nodes) {
      for (const table of ['t1', 't2', 'big', 'gone']) expect((await live(node, 'ops', table)).length).toBeGreaterThan(0);
      expect(await rows(node, 'ops', 't1')).toBe(ROWS);
    }
  });

  it('cleanup drops the rows a node does not replicate: local on one node, then global', async () => {
    // RF 1: every node holds all 300 keys, but owns about a third of them
    for (const node of system.nodes) {
      await system.simOf(node).writeRows('rf1', 'c', 300, 7);
    }
    await run({ type: 'flush', keyspace: 'rf1', globalRequest: true });

    await run({ type: 'cleanup', keyspace: 'rf1', tables: ['c'], hostId: n1.hostId });
    const kept1 = await rows(n1, 'rf1', 'c');
    expect(kept1).toBeLessThan(300);
    expect(await rows(n2, 'rf1', 'c')).toBe(300);

    const done = await run({ type: 'cleanup', keyspace: 'rf1', jobs: 1, globalRequest: true });
    expect(done.nodes).toHaveLength(3);
    const kept = await Promise.all(system.nodes.map((node) => rows(node, 'rf1', 'c')));
    expect(kept[0]).toBe(kept1);
    for (const count of kept) expect(count).toBeLessThan(300);
    // each key is owned by exactly one node
    expect(kept.reduce((a, b) => a + b, 0)).toBe(300);
  });

  it('scrub rewrites the SSTables, keeps the data and snapshots first unless disableSnapshot', async () => {
    const before = await live(n2, 'ops', 't1');
    const sum = await checksum(n2, 'ops', 't1');
    await run({ type: 'scrub', keyspace: 'ops', tables: ['t1'], hostId: n2.hostId });
    const after = await live(n2, 'ops', 't1');
    expect(after.some((f) => before.includes(f))).toBe(false);
    expect(await checksum(n2, 'ops', 't1')).toBe(sum);
    expect(snapshots(n2, 'ops', 't1').some((s) => s.startsWith('pre-scrub-'))).toBe(true);

    const untouched = await live(n1, 'ops', 't1');
    const beforeAll = await Promise.all(system.nodes.map((node) => live(node, 'ops', 't2')));
    await run({ type: 'scrub', keyspace: 'ops', tables: 't2', disableSnapshot: true, noValidate: true, globalRequest: true });
    for (const node of system.nodes) {
      const files = await live(node, 'ops', 't2');
      expect(files.some((f) => beforeAll[node.index].includes(f))).toBe(false);
      expect(snapshots(node, 'ops', 't2').filter((s) => s.startsWith('pre-scrub-'))).toEqual([]);
      expect(await rows(node, 'ops', 't2')).toBe(ROWS);
    }
    expect(await live(n1, 'ops', 't1')).toEqual(untouched);
  });

  it('upgradesstables leaves current SSTables alone unless includeAllSStables', async () => {
    const before = await live(n3, 'ops', 't1');
    await run({ type: 'upgradesstables', keyspace: 'ops', tables: ['t1'], hostId: n3.hostId });
    expect(await live(n3, 'ops', 't1')).toEqual(before);

    await run({ type: 'upgradesstables', keyspace: 'ops', tables: ['t1'], includeAllSStables: true, hostId: n3.hostId });
    const rewritten = await live(n3, 'ops', 't1');
    expect(rewritten.some((f) => before.includes(f))).toBe(false);
    expect(await rows(n3, 'ops', 't1')).toBe(ROWS);

    const beforeAll = await Promise.all(system.nodes.map((node) => live(node, 'ops', 't2')));
    await run({ type: 'upgradesstables', keyspace: 'ops', tables: ['t2'], includeAllSStables: 'true', jobs: 2, globalRequest: true });
    for (const node of system.nodes) {
      expect((await live(node, 'ops', 't2')).some((f) => beforeAll[node.index].includes(f))).toBe(false);
    }
  });

  it('reports progress from CompactionManager while a long scrub runs', async () => {
    await system.simOf(n1).generateSSTables('ops', 'big', 2, 6 * 1024 * 1024);
    const { id } = await submit({ type: 'scrub', keyspace: 'ops', tables: ['big'], disableSnapshot: true, hostId: n1.hostId });
    const seen: Array<{ progress: number; message?: string }> = [];
    const done = await system.waitForOperation(id, (op) => {
      if (op.state === 'RUNNING' && op.progress > 0 && op.progress < 1) seen.push({ progress: op.progress, message: op.nodes[0]?.message });
      return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(op.state);
    });
    expect(done.state).toBe('COMPLETED');
    expect(done.progress).toBe(1);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.map((s) => s.message)).toContain('Scrub: 0 of 1 table(s) done');
    // never backwards
    expect(seen.map((s) => s.progress)).toEqual([...seen.map((s) => s.progress)].sort((a, b) => a - b));
  });

  it('cancels a running cleanup through stopCompaction: CANCELLED, SSTables untouched', async () => {
    // The cancel must land while Cassandra still works: at 4 MiB/s the 12 MiB of `big` took ~3 s, which the
    // progress poll, the DELETE, the coordinator and the agent's stopCompaction could use up on a loaded
    // machine (the cleanup then COMPLETED). Twice the data doubles that window.
    await system.simOf(n1).generateSSTables('ops', 'big', 2, 6 * 1024 * 1024);
    const before = await live(n1, 'ops', 'big');
    const { id } = await submit({ type: 'cleanup', keyspace: 'ops', tables: ['big'], hostId: n1.hostId });
    await system.waitForOperation(id, (op) => op.state === 'RUNNING' && op.progress > 0, 30_000);
    expect((await system.request('DELETE', `/operations/${id}`)).status).toBe(202);
    const done = await system.waitForOperation(id);
    expect(done.state).toBe('CANCELLED');
    expect(done.nodes[0]).toMatchObject({ hostId: n1.hostId, state: 'CANCELLED' });
    expect(await live(n1, 'ops', 'big')).toEqual(before);
    expect(await system.attribute(n1, COMPACTION_MANAGER, 'Compactions')).toEqual([]);
  });

  it('refresh loads SSTables dropped into the table directory: local, then global', async () => {
    const [source1] = await live(n1, 'ops', 't1'); // keys of seed 1, which node 2 does not have
    copySSTable(source1, tableDir(n2, 'ops', 't1'), 900);
    const before2 = await rows(n2, 'ops', 't1');
    await run({ type: 'refresh', keyspace: 'ops', table: 't1', hostId: n2.hostId });
    expect(await rows(n2, 'ops', 't1')).toBe(before2 + ROWS);

    const [fromNode3] = await live(n3, 'ops', 'gone');
    for (const node of [n1, n2]) copySSTable(fromNode3, tableDir(node, 'ops', 'gone'), 901);
    await run({ type: 'refresh', keyspace: 'ops', table: 'gone', globalRequest: true });
    expect(await rows(n1, 'ops', 'gone')).toBe(2 * ROWS);
    expect(await rows(n2, 'ops', 'gone')).toBe(2 * ROWS);
    expect(await rows(n3, 'ops', 'gone')).toBe(ROWS);
  });

  it('import moves SSTables in from a directory; copyData leaves them for every node of a global import', async () => {
    const [fromNode1] = await live(n1, 'ops', 't2');
    const staging = join(system.baseDir, 'staging-local');
    copySSTable(fromNode1, staging, 1);
    const before2 = await rows(n2, 'ops', 't2');
    const done = await run({ type: 'import', keyspace: 'ops', table: 't2', sourceDir: staging, hostId: n2.hostId });
    // a directory not shaped <keyspace>/<table> is staged as one first (Cassandra 5.0 would ignore it)
    expect(resultOf(done, n2)).toEqual({
      sourceDir: staging,
      sstables: 1,
      stagedIn: join(staging, '.daedalus-import', `${done.id}.${n2.hostId}`, 'ops', 't2'),
    });
    expect(await rows(n2, 'ops', 't2')).toBe(before2 + ROWS);
    expect(readdirSync(staging)).toEqual([]); // moved, not copied

    const shared = join(system.baseDir, 'staging-global');
    copySSTable(fromNode1, shared, 1);
    const counts = await Promise.all(system.nodes.map((node) => rows(node, 'ops', 't2')));
    await run({ type: 'import', keyspace: 'ops', table: 't2', sourceDir: shared, copyData: true, keepLevel: true, globalRequest: true });
    // node 1 already had these keys; nodes 2 and 3 gain them (node 2 had them from the local import)
    expect(await rows(n1, 'ops', 't2')).toBe(counts[0]);
    expect(await rows(n2, 'ops', 't2')).toBe(counts[1]);
    expect(await rows(n3, 'ops', 't2')).toBe(counts[2] + ROWS);
    expect(readdirSync(shared).length).toBeGreaterThan(0);
  });

  it('import fails naming the directory Cassandra could not import', async () => {
    const [fromNode1] = await live(n1, 'ops', 't2');
    const staging = join(system.baseDir, 'staging-bad');
    copySSTable(fromNode1, staging, 1);
    await system.simOf(n3).failNextImports('ops', 't2', 1);
    const done = await run({ type: 'import', keyspace: 'ops', table: 't2', sourceDir: staging, hostId: n3.hostId }, 'FAILED');
    expect(done.errors).toEqual([
      { source: source(n3), message: expect.stringContaining(`Cassandra could not import the SSTables of ${staging}`) },
    ]);
    expect(readdirSync(staging).length).toBeGreaterThan(0);
  });

  it("rebuild streams a keyspace from the other replicas: local, global, and Cassandra's refusal of an unknown dc", async () => {
    await system.simOf(n1).writeRows('rb', 'r', 150, 3);
    await run({ type: 'flush', keyspace: 'rb', hostId: n1.hostId });
    const expected = await checksum(n1, 'rb', 'r');
    expect(await rows(n2, 'rb', 'r')).toBe(0);

    await run({ type: 'rebuild', keyspace: 'rb', sourceDC: 'dc1', hostId: n2.hostId });
    expect(await checksum(n2, 'rb', 'r')).toBe(expected);
    expect(await rows(n3, 'rb', 'r')).toBe(0);

    await run({ type: 'rebuild', keyspace: 'rb', globalRequest: true });
    for (const node of system.nodes) expect(await checksum(node, 'rb', 'r')).toBe(expected);

    const failed = await run({ type: 'rebuild', sourceDC: 'dc9', hostId: n2.hostId }, 'FAILED');
    expect(failed.errors).toEqual([
      { source: source(n2), message: expect.stringContaining("Provided datacenter 'dc9' is not a valid datacenter") },
    ]);
  });

  it('truncate empties the table on every node, only through agents started with --enable-truncate', async () => {
    // agent 3 was not started with the flag: a local truncate there is refused before it becomes an operation
    const errors = await rejected({ type: 'truncate', keyspace: 'ops', table: 't2', hostId: n3.hostId });
    expect(errors).toEqual([{ field: 'type', message: expect.stringContaining('--enable-truncate') }]);

    await run({ type: 'truncate', keyspace: 'ops', table: 't2', hostId: n1.hostId });
    for (const node of system.nodes) expect(await rows(node, 'ops', 't2')).toBe(0);

    // global: Cassandra truncates cluster-wide, so one node whose agent allows it does it for all, once
    expect(await rows(n3, 'ops', 't1')).toBe(ROWS);
    const done = await run({ type: 'truncate', keyspace: 'ops', table: 't1', globalRequest: true });
    const workers = done.nodes.filter((n) => n.message !== 'no work in phase TRUNCATE').map((n) => n.hostId);
    expect(workers).toHaveLength(1);
    expect([n1.hostId, n2.hostId]).toContain(workers[0]);
    for (const node of system.nodes) expect(await rows(node, 'ops', 't1')).toBe(0);
  });

  it('answers 400 naming the field for unknown names and invalid fields', async () => {
    const cases: Array<[Record<string, unknown>, string, string?]> = [
      [{ type: 'cleanup', keyspace: 'nosuch', globalRequest: true }, 'keyspace', 'keyspace nosuch does not exist'],
      [
        { type: 'scrub', keyspace: 'ops', tables: ['t1', 'nosuch'], globalRequest: true },
        'tables',
        'table nosuch does not exist in keyspace ops',
      ],
      [{ type: 'upgradesstables', keyspace: 'nosuch', hostId: n2.hostId }, 'keyspace'],
      [{ type: 'refresh', keyspace: 'ops', table: 'nosuch', hostId: n1.hostId }, 'table'],
      [{ type: 'import', keyspace: 'ops', table: 'nosuch', sourceDir: '/tmp', hostId: n1.hostId }, 'table'],
      [{ type: 'truncate', keyspace: 'nosuch', table: 't1', hostId: n1.hostId }, 'keyspace'],
      [{ type: 'rebuild', keyspace: 'nosuch', globalRequest: true }, 'keyspace'],
      [{ type: 'cleanup', keyspace: 'ops', jobs: -1, globalRequest: true }, 'jobs'],
      [{ type: 'scrub', keyspace: 'ops', skipCorrupted: 'perhaps', globalRequest: true }, 'skipCorrupted'],
      [{ type: 'import', keyspace: 'ops', table: 't1', hostId: n1.hostId }, 'sourceDir'],
      [{ type: 'import', keyspace: 'ops', table: 't1', sourceDir: 'relative/dir', hostId: n1.hostId }, 'sourceDir'],
      [{ type: 'rebuild', specificTokens: [{ start: '1', end: '2' }], globalRequest: true }, 'keyspace'],
      [{ type: 'rebuild', keyspace: 'ops', specificTokens: [{ start: 1 }], globalRequest: true }, 'specificTokens.0.start'],
      [{ type: 'decommission', globalRequest: true }, 'globalRequest'],
      [{ type: 'decommission', force: 'perhaps', hostId: n3.hostId }, 'force'],
      [{ type: 'drain', keyspace: 'ops', hostId: n3.hostId }, 'keyspace'],
    ];
    for (const [body, field, message] of cases) {
      const errors = await rejected(body);
      expect({ body, fields: errors.map((e) => e.field) }).toEqual({ body, fields: expect.arrayContaining([field]) });
      if (message) expect(errors).toContainEqual({ field, message });
    }
  });

  it('the agent re-checks names when it runs: a table dropped after the gateway checked fails naming the node', async () => {
    const agent = system.agents[1];
    process.kill(agent.pid, 'SIGSTOP'); // its registration keeps listing the table
    let id = '';
    try {
      await system.simOf(n1).dropTable('ops', 'gone');
      // node 2 itself has caught up (its table MBean is gone); only the registration is stale
      await waitFor(
        'node 2 to drop the table',
        async () => (await system.mbeanNames(n2, 'org.apache.cassandra.db:type=Tables,keyspace=ops,table=gone')).length === 0,
        20_000,
      );
      id = (await submit({ type: 'cleanup', keyspace: 'ops', tables: ['gone'], hostId: n2.hostId })).id;
    } finally {
      process.kill(agent.pid, 'SIGCONT');
    }
    const done = await system.waitForOperation(id);
    expect(done.state).toBe('FAILED');
    expect(done.errors).toEqual([{ source: source(n2), message: 'table(s) gone do not exist in keyspace ops' }]);
    // once the registration has caught up, the gateway refuses it itself
    await waitFor(
      'the dropped table gone from the registrations',
      async () => (await system.registrations()).every((r) => !(r.keyspaces?.ops ?? []).includes('gone')),
      30_000,
    );
    expect(await rejected({ type: 'flush', keyspace: 'ops', tables: ['gone'], hostId: n2.hostId })).toEqual([
      { field: 'tables', message: 'table gone does not exist in keyspace ops' },
    ]);
  });

  it('answers /status, /version/* and /topology live from JMX, and from the registry (marked) when the agent is silent', async () => {
    expect((await system.get('/status')).body).toEqual({ nodeState: 'NORMAL', source: 'live' });
    expect((await system.get('/version/cassandra')).body).toEqual({
      major: 4,
      minor: 1,
      patch: 7,
      dsePatch: -1,
      preReleaseLabels: [],
      version: '4.1.7',
      source: 'live',
    });
    const schema = (await system.get('/version/schema')).body as { schemaVersion: string; source: string };
    expect(schema.source).toBe('live');
    expect(schema.schemaVersion).toBe(await system.attribute(n1, STORAGE_SERVICE, 'SchemaVersion'));
    const topology = (await system.get('/topology')).body as {
      source: string;
      clusterName: string;
      topology: Array<Record<string, unknown>>;
    };
    expect(topology).toMatchObject({ source: 'live', clusterName: 'daedalus-test' });
    expect(topology.topology).toEqual(
      system.nodes.map((node) =>
        expect.objectContaining({
          nodeId: node.hostId,
          ipAddress: node.address,
          dc: 'dc1',
          rack: 'rack1',
          alive: true,
          operationMode: 'NORMAL',
        }),
      ),
    );

    const agent = system.agents[0];
    process.kill(agent.pid, 'SIGSTOP');
    try {
      const status = (await system.get('/status')).body as Record<string, unknown>;
      expect(status).toMatchObject({ nodeState: 'NORMAL', source: 'registry', reason: expect.stringContaining(n1.hostId) });
      expect(typeof status.asOf).toBe('string');
      // topology asks the next agent instead
      expect((await system.get('/topology')).body).toMatchObject({ source: 'live' });
    } finally {
      process.kill(agent.pid, 'SIGCONT');
    }
  });

  // ------------------------------------------------------------------ destructive, last

  it('drain moves a node to DRAINED; a second drain and a decommission of it fail naming the mode', async () => {
    const done = await run({ type: 'drain', hostId: n2.hostId });
    expect(resultOf(done, n2)).toEqual({ operationMode: 'DRAINED' });
    expect(await mode(n2)).toBe('DRAINED');

    const again = await run({ type: 'drain', hostId: n2.hostId }, 'FAILED');
    expect(again.errors).toEqual([{ source: source(n2), message: 'cannot drain: the node is already DRAINED' }]);
    const decommission = await run({ type: 'decommission', force: true, hostId: n2.hostId }, 'FAILED');
    expect(decommission.errors).toEqual([{ source: source(n2), message: 'cannot decommission: the node is already DRAINED' }]);
    expect(await mode(n2)).toBe('DRAINED');

    // the live topology shows what gossip sees: the drained node is down
    await waitFor(
      'node 2 down in the live topology',
      async () => {
        const { topology } = (await system.get('/topology')).body as { topology: Array<{ nodeId: string; alive: boolean }> };
        return topology.find((n) => n.nodeId === n2.hostId)?.alive === false;
      },
      30_000,
    );
  });

  it("decommission surfaces Cassandra's RF refusal, then leaves the ring with force; a second one fails naming the mode", async () => {
    const refused = await run({ type: 'decommission', hostId: n3.hostId }, 'FAILED');
    expect(refused.errors).toEqual([
      { source: source(n3), message: expect.stringMatching(/Not enough live nodes to maintain replication factor in keyspace \w+/) },
    ]);
    expect(await mode(n3)).toBe('NORMAL');

    const done = await run({ type: 'decommission', force: true, hostId: n3.hostId });
    expect(resultOf(done, n3)).toEqual({ operationMode: 'DECOMMISSIONED' });
    expect(await mode(n3)).toBe('DECOMMISSIONED');
    const ring = (await system.attribute(n1, STORAGE_SERVICE, 'HostIdToEndpointWithPort')) as Record<string, string>;
    expect(Object.keys(ring).sort()).toEqual([n1.hostId, n2.hostId].sort());

    // once its agent reports the mode, the node counts as departed: never planned again
    await waitFor('node 3 departed', async () => {
      const nodes = (await system.get('/nodes')).body as Array<{ hostId: string; state: string }>;
      return nodes.find((n) => n.hostId === n3.hostId)?.state === 'departed';
    });
    const again = await run({ type: 'decommission', force: true, hostId: n3.hostId }, 'FAILED');
    // departed by either fact, whichever a heartbeat brought first: its own mode, or a live node's ring without it
    expect(again.errors).toHaveLength(1);
    expect(again.errors[0].source).toBe('coordinator');
    const why = /^node (.+) has left the ring \((.+)\); remove it with DELETE \/nodes\/(.+)$/.exec(again.errors[0].message);
    expect(why?.[1]).toBe(source(n3));
    expect(why?.[3]).toBe(n3.hostId);
    expect(why?.[2]).toMatch(/^Cassandra reports it DECOMMISSIONED$|^no longer in the token ring \(as seen by .+\)$/);
  });

  it('a global drain drains the last NORMAL node and fails naming the node already DRAINED; the departed one is left out', async () => {
    const done = await run({ type: 'drain', globalRequest: true }, 'FAILED');
    expect(done.nodes.find((n) => n.hostId === n1.hostId)?.state).toBe('COMPLETED');
    expect(done.nodes.map((n) => n.hostId)).not.toContain(n3.hostId);
    expect(done.errors).toEqual([{ source: source(n2), message: 'cannot drain: the node is already DRAINED' }]);
    expect(await mode(n1)).toBe('DRAINED');
    expect((await system.get('/status')).body).toEqual({ nodeState: 'DRAINED', source: 'live' });
  });
});
