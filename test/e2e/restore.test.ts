/**
 * Cluster-wide restore on a running 3-node simulated cluster, proven with the simulator's content checksum:
 * the right data comes back, only what is named is touched, a corrupt download truncates nothing, a failing
 * IMPORT is retried and otherwise explained with the request that finishes it, a coordinator can die in any
 * phase without a second truncate, and a wiped stopped node is restored in place.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { filesUnder, ManifestDoc, readJson, runBackup, runOperation } from './backup-support';

const CLUSTER = 'daedalus-test';
const TABLES = ['orders', 'customers', 'orders_copy', 'bulk'];

describe('cluster-wide restore', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  let backupName: string;
  /** content of each table on each node at backup time: checksums[table][nodeIndex] */
  const atBackup: Record<string, string[]> = {};

  const checksum = async (index: number, table: string) => String(await system.simOf(system.nodes[index]).checksum('shop', table));
  const checksums = async (table: string) => Promise.all(system.nodes.map((_, i) => checksum(i, table)));
  const truncateSnapshots = async (index: number, table: string) =>
    (await filesUnder(join(system.nodes[index].home, 'data', 'data', 'shop')))
      .map((p) => /\/snapshots\/(truncated-\d+-[^/]+)\//.exec(p)?.[1])
      .filter((tag): tag is string => tag !== undefined && tag.endsWith(`-${table}`))
      .filter((tag, i, all) => all.indexOf(tag) === i);

  async function writeMore(): Promise<void> {
    for (const node of system.nodes) {
      for (const table of ['orders', 'customers']) {
        await system.simOf(node).writeRows('shop', table, 80, 1000 + node.index);
      }
    }
    const flush = await system.post('/operations', { type: 'flush', keyspace: 'shop', globalRequest: true });
    await system.waitForOperation((flush.body as OperationView).id);
  }

  async function restore(body: Record<string, unknown>, timeoutMs = 120_000): Promise<OperationView> {
    return runOperation(
      system,
      { type: 'restore', storageLocation: location, snapshotTag: backupName, globalRequest: true, ...body },
      timeoutMs,
    );
  }

  beforeAll(async () => {
    storeRoot = makeTempDir('restore-store');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({ nodes: 3, coordinators: 2, nodeTimeoutMs: 10_000 });
    await system.createTables('shop', TABLES, 150);
    // 3 MiB per node that a throttled restore takes seconds to download
    for (const node of system.nodes) {
      await system.simOf(node).generateSSTables('shop', 'bulk', 3, 1024 * 1024);
    }
    const flush = await system.post('/operations', { type: 'flush', keyspace: 'shop', globalRequest: true });
    await system.waitForOperation((flush.body as OperationView).id);
    for (const table of TABLES) atBackup[table] = await checksums(table);
    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'base', createMissingBucket: true });
    expect(backup.operation.state).toBe('COMPLETED');
    backupName = backup.backupName;
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  it('brings back exactly the backed-up content after more writes, through every phase, truncating once', async () => {
    await writeMore();
    expect(await checksums('orders')).not.toEqual(atBackup.orders);
    const done = await restore({ restorationStrategyType: 'IMPORT', noDeleteTruncates: true });
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    expect(Object.keys(done.response as object)).toEqual(['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP']);
    for (const table of ['orders', 'customers']) {
      expect(await checksums(table)).toEqual(atBackup[table]);
      // Cassandra snapshots a table at each truncate: one per node proves it was truncated once
      for (const index of [0, 1, 2]) expect(await truncateSnapshots(index, table)).toHaveLength(1);
    }
    // staged downloads are gone
    const staging = join(system.nodes[0].home, 'data', 'daedalus-restore', done.id);
    expect(await filesUnder(staging)).toEqual([]);
  });

  it('restores a subset under another name and touches nothing else (HARDLINKS)', async () => {
    await writeMore();
    const ordersBefore = await checksums('orders');
    const customersBefore = await checksums('customers');
    const done = await restore({
      restorationStrategyType: 'HARDLINKS',
      entities: 'shop.orders',
      rename: { 'shop.orders': 'shop.orders_copy' },
    });
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    expect(await checksums('orders_copy')).toEqual(atBackup.orders);
    expect(await checksums('orders')).toEqual(ordersBefore);
    expect(await checksums('customers')).toEqual(customersBefore);
  });

  it('fails in DOWNLOAD on a corrupted object and truncates nothing', async () => {
    const node = system.nodes[0];
    const manifest = await readJson<ManifestDoc>(join(storeRoot, 'bucket', CLUSTER, 'dc1', node.hostId, 'manifests', `${backupName}.json`));
    const victim = manifest.tables.find((t) => t.table === 'customers')?.files.find((f) => f.size > 0 && f.name.endsWith('Data.db'));
    if (!victim) throw new Error('no customers Data.db in the backup');
    const path = join(storeRoot, 'bucket', victim.key);
    const original = readFileSync(path);
    const corrupted = Buffer.from(original);
    corrupted[Math.floor(corrupted.length / 2)] ^= 0xff;
    writeFileSync(path, corrupted);
    try {
      const before = { orders: await checksums('orders'), customers: await checksums('customers') };
      const truncatesBefore = (await truncateSnapshots(0, 'customers')).length;
      const done = await restore({ entities: 'shop.customers' });
      expect(done.state).toBe('FAILED');
      expect(done.errors.map((e) => e.source)).toEqual([`${node.hostId} (${node.address})`]);
      expect(done.errors[0].message).toMatch(/phase DOWNLOAD/);
      expect(done.errors[0].message).toMatch(/sha256|integrity|hash/i);
      expect({ orders: await checksums('orders'), customers: await checksums('customers') }).toEqual(before);
      expect(await truncateSnapshots(0, 'customers')).toHaveLength(truncatesBefore);
    } finally {
      writeFileSync(path, original);
    }
  });

  it('retries a failing IMPORT; when it keeps failing, names the truncated tables and the request that finishes it', async () => {
    const node = system.nodes[1];
    await system.simOf(node).failNextImports('shop', 'customers', 1);
    await writeMore();
    const retried = await restore({ entities: 'shop.customers' });
    expect(retried.errors).toEqual([]);
    expect(retried.state).toBe('COMPLETED');
    expect(await checksums('customers')).toEqual(atBackup.customers);

    await writeMore();
    await system.simOf(node).failNextImports('shop', 'customers', 3);
    const failed = await restore({ entities: 'shop.customers' });
    expect(failed.state).toBe('FAILED');
    expect(failed.errors).toHaveLength(1);
    const message = failed.errors[0].message;
    expect(failed.errors[0].source).toBe(`${node.hostId} (${node.address})`);
    expect(message).toContain('Tables truncated by this restore: shop.customers');
    expect(message).toContain('Downloaded files are kept in');
    const recovery = JSON.parse(
      message.slice(message.indexOf('POST /operations ') + 'POST /operations '.length).replace(/ \(phase IMPORT\)$/, ''),
    );
    expect(recovery).toMatchObject({ type: 'restore', restorationPhase: 'IMPORT', hostId: node.hostId, globalRequest: false });

    const finish = await system.post('/operations', recovery);
    expect(finish.status).toBe(201);
    const finished = await system.waitForOperation((finish.body as OperationView).id);
    expect(finished.errors).toEqual([]);
    expect(finished.state).toBe('COMPLETED');
    expect(await checksums('customers')).toEqual(atBackup.customers);
  });

  it.each(['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'])(
    'completes, truncating once, when a coordinator is killed during %s',
    async (phase) => {
      await writeMore();
      const response = await system.post('/operations', {
        type: 'restore',
        storageLocation: location,
        snapshotTag: backupName,
        globalRequest: true,
        entities: 'shop.orders',
        noDeleteTruncates: true,
      });
      const id = (response.body as OperationView).id;
      const order = ['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'];
      await system.waitForOperation(id, (op) => op.state !== 'PENDING' && order.indexOf(String(op.phase)) >= order.indexOf(phase), 60_000);
      const victim = system.coordinators[0];
      await system.group.kill(victim, 'SIGKILL');
      const done = await system.waitForOperation(id, undefined, 120_000);
      await system.startCoordinator(0);
      expect(done.errors).toEqual([]);
      expect(done.state).toBe('COMPLETED');
      expect(await checksums('orders')).toEqual(atBackup.orders);
      const truncates = (await Promise.all([0, 1, 2].map((i) => truncateSnapshots(i, 'orders')))).map((tags) =>
        tags.filter((tag) => Number(/^truncated-(\d+)-/.exec(tag)?.[1]) >= Date.parse(String(done.startTime))),
      );
      expect(truncates.map((t) => t.length)).toEqual([1, 1, 1]);
    },
  );

  it('stops at a safe point when cancelled during DOWNLOAD: every node told, nothing truncated', async () => {
    await writeMore();
    const before = { orders: await checksums('orders'), bulk: await checksums('bulk') };
    const truncatesBefore = (await truncateSnapshots(0, 'bulk')).length;
    const response = await system.post('/operations', {
      type: 'restore',
      storageLocation: location,
      snapshotTag: backupName,
      globalRequest: true,
      entities: 'shop.bulk,shop.orders',
      bandwidth: { value: 256, unit: 'KBPS' },
    });
    const id = (response.body as OperationView).id;
    await system.waitForOperation(id, (op) => op.phase === 'DOWNLOAD' && op.nodes.some((n) => n.state === 'RUNNING'), 30_000);
    expect((await system.request('DELETE', `/operations/${id}`)).status).toBe(202);
    const done = await system.waitForOperation(id, undefined, 60_000);
    expect(done.state).toBe('CANCELLED');
    expect(done.phase).toBe('DOWNLOAD');
    expect(done.nodes.every((n) => n.state === 'CANCELLED' || n.state === 'COMPLETED')).toBe(true);
    expect(done.nodes.some((n) => n.state === 'CANCELLED')).toBe(true);
    expect({ orders: await checksums('orders'), bulk: await checksums('bulk') }).toEqual(before);
    expect(await truncateSnapshots(0, 'bulk')).toHaveLength(truncatesBefore);
  });

  it('finishes IMPORT when the cancel comes after TRUNCATE', async () => {
    await writeMore();
    // two failing import attempts on one node keep IMPORT going long enough to cancel during it: the agent
    // backs off 1 s, then 2 s, and its third (last) attempt succeeds. With one failure the window was ~1 s,
    // which the poll, the DELETE and the coordinator's handling of the cancel could overrun on a busy machine.
    await system.simOf(system.nodes[0]).failNextImports('shop', 'customers', 2);
    const response = await system.post('/operations', {
      type: 'restore',
      storageLocation: location,
      snapshotTag: backupName,
      globalRequest: true,
      entities: 'shop.customers',
    });
    const id = (response.body as OperationView).id;
    await system.waitForOperation(id, (op) => op.phase === 'IMPORT', 30_000);
    expect((await system.request('DELETE', `/operations/${id}`)).status).toBe(202);
    const done = await system.waitForOperation(id, undefined, 60_000);
    expect(done.state).toBe('COMPLETED');
    expect(done.cancelRequested).toBe(true);
    expect(await checksums('customers')).toEqual(atBackup.customers);
  });

  it('restores a wiped, stopped node IN_PLACE', async () => {
    const node = system.nodes[2];
    await system.stopSimulator(node, 'SIGTERM');
    for (const dir of await filesUnder(join(node.home, 'data', 'data', 'shop')))
      if (/-Data\.db$|-Index\.db$|-TOC\.txt$/.test(dir)) removeDir(dir);
    const response = await system.post('/operations', {
      type: 'restore',
      storageLocation: location,
      snapshotTag: backupName,
      restorationStrategyType: 'IN_PLACE',
      hostId: node.hostId,
      entities: 'shop',
      updateCassandraYaml: true,
    });
    expect(response.status).toBe(201);
    const done = await system.waitForOperation((response.body as OperationView).id, undefined, 120_000);
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    // a node rebuilt from scratch must come back on the backup's tokens, without bootstrapping
    const manifestPath = join(storeRoot, 'bucket', CLUSTER, 'dc1', node.hostId, 'manifests', `${backupName}.json`);
    const tokens = (await readJson<{ tokens: string[] }>(manifestPath)).tokens;
    const yaml = parseYaml(readFileSync(join(node.home, 'conf', 'cassandra.yaml'), 'utf8')) as Record<string, unknown>;
    expect(tokens.length).toBeGreaterThan(0);
    expect(yaml).toMatchObject({
      initial_token: tokens.join(','),
      num_tokens: tokens.length,
      auto_bootstrap: false,
      cluster_name: CLUSTER,
    });
    await system.restartSimulator(node);
    expect(await checksum(2, 'orders')).toBe(atBackup.orders[2]);
    expect(await checksum(2, 'customers')).toBe(atBackup.customers[2]);
  });
});
