/**
 * The production broker: a 3-server JetStream cluster with replicas 3. One system (3 simulated nodes, 2
 * coordinators, the gateway) boots once on a freshly formed cluster and runs global backups and restores
 * through it: plain, and with the leader of a stream or bucket killed (SIGKILL) and started again
 * mid-operation; then the same system moves to a single server, the whole broker of a one-server deployment,
 * which is killed and started again mid-operation. Every restore must bring back exactly the backed-up content,
 * truncating each table once on each node. With DAEDALUS_KEEP_TEST_DIRS set (an absolute path: the runs are
 * kept there), every process's log is kept: logs/, one file per process and per restart.
 *
 * Not here: stopping all three servers of the cluster at once after a server was killed. nats-server 2.9.10
 * then found its store of DAEDALUS_COMMANDS broken ("stream store EOF", "Resetting stream cluster state") and
 * a restore did not finish in 1 of 2 runs; see docs/design.md, "Broker topology and failover".
 */
import { Buckets, Streams } from '@daedalus/contracts';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { runBackup } from './backup-support';

const KS = 'shop';
const TABLES = ['orders', 'customers', 'bulk'];
/** a throttled download keeps each restore in DOWNLOAD for seconds: the window in which the broker fails */
const THROTTLE = { value: 256, unit: 'KBPS' };

describe('a 3-server JetStream cluster with replicas 3', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  /** content of each table on each node at backup time */
  const atBackup: Record<string, string[]> = {};
  let backupName = '';

  const checksums = (table: string) => Promise.all(system.nodes.map(async (node) => String(await system.simOf(node).checksum(KS, table))));
  const truncations = async () => {
    const counts: Record<string, number[]> = {};
    for (const table of TABLES) {
      counts[table] = await Promise.all(system.nodes.map((node) => system.simOf(node).truncationCount(KS, table)));
    }
    return counts;
  };
  const plusOne = (counts: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(counts).map(([table, perNode]) => [table, perNode.map((n) => n + 1)]));

  /** New rows on every node, flushed: a restore must replace them with the backup's content. */
  async function writeMore(seed: number): Promise<void> {
    for (const node of system.nodes) {
      for (const table of ['orders', 'customers']) await system.simOf(node).writeRows(KS, table, 40, seed * 10 + node.index);
    }
    const flush = await system.post('/operations', { type: 'flush', keyspace: KS, globalRequest: true });
    expect(flush.status).toBe(201);
    expect((await system.waitForOperation((flush.body as OperationView).id)).state).toBe('COMPLETED');
  }

  async function startRestore(): Promise<string> {
    const response = await system.post('/operations', {
      type: 'restore',
      storageLocation: location,
      snapshotTag: backupName,
      globalRequest: true,
      entities: KS,
      bandwidth: THROTTLE,
    });
    expect(response.status).toBe(201);
    return (response.body as OperationView).id;
  }

  /** Once every node downloads, `fault` hits the broker; the restore must still complete, truncating once. */
  async function restoreThrough(seed: number, fault: () => Promise<void>): Promise<void> {
    await writeMore(seed);
    expect(await checksums('orders')).not.toEqual(atBackup.orders);
    const before = await truncations();
    const id = await startRestore();
    const downloading = await system.waitForOperation(
      id,
      (op) => op.state !== 'PENDING' && (op.phase !== 'INIT' || ['COMPLETED', 'FAILED', 'CANCELLED'].includes(op.state)),
      60_000,
    );
    // the fault must come while the nodes still download, else this run proves nothing about it
    expect({ phase: downloading.phase, state: downloading.state }).toEqual({ phase: 'DOWNLOAD', state: 'RUNNING' });
    await fault();
    const done = await system.waitForOperation(id, undefined, 120_000);
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    for (const table of TABLES) expect({ table, content: await checksums(table) }).toEqual({ table, content: atBackup[table] });
    expect(await truncations()).toEqual(plusOne(before));
  }

  beforeAll(async () => {
    storeRoot = makeTempDir('cluster-store');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({
      nodes: 3,
      coordinators: 2,
      nats: { clusterSize: 3 },
      env: { DAEDALUS_NATS_REPLICAS: '3' },
    });
    await system.createTables(KS, TABLES, 100);
    // 2 MiB per node: about 8 s of download at the throttle
    for (const node of system.nodes) await system.simOf(node).generateSSTables(KS, 'bulk', 2, 1024 * 1024);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  it('runs a global backup and a global restore on the fresh cluster', async () => {
    const flush = await system.post('/operations', { type: 'flush', keyspace: KS, globalRequest: true });
    expect((await system.waitForOperation((flush.body as OperationView).id)).state).toBe('COMPLETED');
    for (const table of TABLES) atBackup[table] = await checksums(table);
    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'base', createMissingBucket: true });
    expect(backup.operation.errors).toEqual([]);
    expect(backup.operation.state).toBe('COMPLETED');
    backupName = backup.backupName;
    expect(backupName).not.toBe('');
    await restoreThrough(1, async () => undefined);
  });

  it('completes a restore when the leader of the operations bucket is killed mid-operation and started again', async () => {
    await restoreThrough(2, async () => {
      const leader = await system.natsLeaderOf(`KV_${Buckets.operations}`);
      await system.bounceNats([leader], 'SIGKILL', 2_000);
    });
  });

  it('completes a restore when the leader of the commands stream is killed mid-operation and started again', async () => {
    await restoreThrough(3, async () => {
      const leader = await system.natsLeaderOf(Streams.commands);
      await system.bounceNats([leader], 'SIGKILL', 2_000);
    });
  });

  describe('on a single server', () => {
    beforeAll(async () => {
      await system.reconfigureNats({}, {});
    }, 180_000);

    it('completes a restore when the server is restarted mid-operation', async () => {
      await restoreThrough(4, () => system.bounceNats(system.natsServers, 'SIGKILL', 1_000));
    });
  });
});
