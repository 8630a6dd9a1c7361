/**
 * What real Cassandra nodes showed about restores, proven on the simulator (which now behaves the same way):
 * a table dropped and created again after the backup keeps its dead directory beside the live one, and
 * every strategy must restore into the live one and leave the dead one alone; a load that has no effect must
 * fail; an IN_PLACE restore after a crash must not let Cassandra replay the old commit log over the backup;
 * secondary-index files must not go stale.
 */
import { readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, removeDir, waitFor } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { filesUnder, runBackup, runOperation } from './backup-support';

const KS = 'shop';

/** path → size of every file under a directory: what "untouched" is checked against */
function listing(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[path.slice(dir.length)] = statSync(path).size;
    }
  };
  walk(dir);
  return out;
}

/** The value of `key` anywhere in a JSON-like tree (a phase's per-node result sits a few levels down). */
function findField(tree: unknown, key: string): unknown {
  if (typeof tree !== 'object' || tree === null) return undefined;
  if (key in tree) return (tree as Record<string, unknown>)[key];
  for (const value of Object.values(tree)) {
    const found = findField(value, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

describe('restores that are right on a real node (4.1, one node)', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  let backupName: string;
  const atBackup: Record<string, string> = {};
  const node = () => system.nodes[0];
  const dataDir = () => join(node().home, 'data', 'data');

  const sim = () => system.simOf(node());
  const checksum = async (table: string) => String(await sim().checksum(KS, table));
  const checkIndexes = async (table: string) => String(await sim().checkIndexes(KS, table));
  const tableDirs = (table: string) =>
    readdirSync(join(dataDir(), KS)).filter((name) => name.startsWith(`${table}-`) && name.length === table.length + 33);

  async function flush(): Promise<void> {
    const response = await system.post('/operations', { type: 'flush', keyspace: KS, globalRequest: true });
    expect((await system.waitForOperation((response.body as OperationView).id)).state).toBe('COMPLETED');
  }

  async function writeAndFlush(table: string, seed: number): Promise<void> {
    await system.simOf(node()).writeRows(KS, table, 60, seed);
    await flush();
  }

  async function restore(body: Record<string, unknown>, timeoutMs = 120_000): Promise<OperationView> {
    return runOperation(system, { type: 'restore', storageLocation: location, snapshotTag: backupName, ...body }, timeoutMs);
  }

  /** An IN_PLACE restore of one table on the stopped node; the node is started again whatever happens. */
  async function restoreInPlace(table: string, stop: 'SIGTERM' | 'SIGKILL' | 'stopped'): Promise<OperationView> {
    if (stop !== 'stopped') await system.stopSimulator(node(), stop);
    try {
      return await restore({ hostId: node().hostId, entities: `${KS}.${table}`, restorationStrategyType: 'IN_PLACE' });
    } finally {
      await system.restartSimulator(node());
    }
  }

  /** The registration the agent keeps holds the table's live id (what IN_PLACE uses while Cassandra is stopped). */
  async function waitForRegisteredId(table: string, id: string): Promise<void> {
    await waitFor(
      `registered id of ${table}`,
      async () => ((await system.registrations())[0]?.tableIds?.[`${KS}.${table}`] === id ? true : undefined),
      30_000,
    );
  }

  beforeAll(async () => {
    storeRoot = makeTempDir('restore-real-store');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({ nodes: 1, coordinators: 1, nodeTimeoutMs: 15_000 });
    await system.simOf(node()).createKeyspace(KS, { class: 'SimpleStrategy', replication_factor: '1' });
    for (const table of ['orders', 'indexed']) await system.simOf(node()).createTable(KS, table);
    await system.simOf(node()).createIndex(KS, 'indexed', 'by_value', 'legacy');
    await system.waitForSchema(KS, ['orders', 'indexed']);
    for (const table of ['orders', 'indexed']) await writeAndFlush(table, 1);
    for (const table of ['orders', 'indexed']) atBackup[table] = await checksum(table);
    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'base', createMissingBucket: true });
    expect(backup.operation.errors).toEqual([]);
    backupName = backup.backupName;
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  it('backs up the secondary index files with their table', async () => {
    const manifest = await filesUnder(join(storeRoot, 'bucket'));
    expect(manifest.some((path) => /\/indexed-[0-9a-f]{32}\/\.by_value\//.test(path))).toBe(true);
  });

  it('restores a table dropped and created again into its live directory with IMPORT, HARDLINKS and IN_PLACE, leaving the dropped one alone', async () => {
    const [oldDir] = tableDirs('orders');
    await system.simOf(node()).dropTable(KS, 'orders');
    await system.simOf(node()).createTable(KS, 'orders');
    const newDir = tableDirs('orders').find((name) => name !== oldDir);
    if (!newDir) throw new Error('no new directory for the re-created table');
    const dropped = join(dataDir(), KS, oldDir);
    const droppedBefore = listing(dropped);
    expect(Object.keys(droppedBefore).some((path) => path.includes('/snapshots/dropped-'))).toBe(true);

    for (const strategy of ['IMPORT', 'HARDLINKS']) {
      await writeAndFlush('orders', 10);
      expect(await checksum('orders')).not.toBe(atBackup.orders);
      const done = await restore({ globalRequest: true, entities: `${KS}.orders`, restorationStrategyType: strategy });
      expect({ strategy, errors: done.errors, state: done.state }).toEqual({ strategy, errors: [], state: 'COMPLETED' });
      expect(await checksum('orders')).toBe(atBackup.orders);
      expect(listing(dropped)).toEqual(droppedBefore);
    }

    await writeAndFlush('orders', 11);
    await waitForRegisteredId('orders', newDir.slice(-32));
    const inPlace = await restoreInPlace('orders', 'SIGTERM');
    expect(inPlace.errors).toEqual([]);
    expect(inPlace.state).toBe('COMPLETED');
    expect(listing(dropped)).toEqual(droppedBefore);
    expect(await checksum('orders')).toBe(atBackup.orders);
  });

  it('fails a restore whose load has no effect, naming the table, instead of completing', async () => {
    await writeAndFlush('orders', 20);
    // Cassandra imports nothing and reports no failed directory, as real 5.0 does when it finds no SSTables
    await system.simOf(node()).ignoreNextImports(KS, 'orders', 3);
    const done = await restore({ globalRequest: true, entities: `${KS}.orders` });
    expect(done.state).toBe('FAILED');
    expect(done.errors).toHaveLength(1);
    expect(done.errors[0].message).toContain(`IMPORT of ${KS}.orders failed`);
    expect(done.errors[0].message).toMatch(/not in shop\.orders's live directories/);
    expect(done.errors[0].message).toContain(`/operations/${done.id}/resume`);
    // the next restore (the injection used up) brings the data back
    const again = await restore({ globalRequest: true, entities: `${KS}.orders` });
    expect(again.state).toBe('COMPLETED');
    expect(await checksum('orders')).toBe(atBackup.orders);
  });

  it('sets the commit log aside for IN_PLACE after a crash, so the backup is exactly what comes back', async () => {
    // unflushed writes live only in the commit log; a crash leaves them there for replay at start
    await system.simOf(node()).writeRows(KS, 'orders', 50, 30);
    expect(Number(await sim().memtableRows(KS, 'orders'))).toBeGreaterThan(0);
    await system.stopSimulator(node(), 'SIGKILL');
    const commitLog = join(node().home, 'data', 'commitlog');
    const segments = readdirSync(commitLog).filter((name) => name.startsWith('CommitLog-'));
    expect(segments.length).toBeGreaterThan(0);

    const done = await restoreInPlace('orders', 'stopped');
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    expect(await checksum('orders')).toBe(atBackup.orders); // nothing replayed over the backup
    const setAside = findField(done.response, 'setAside') as { folder: string; moved: Record<string, number> } | undefined;
    expect(setAside?.moved[commitLog]).toBeGreaterThanOrEqual(segments.length);
    expect(readdirSync(join(String(setAside?.folder), 'commitlog')).sort()).toEqual(expect.arrayContaining(segments));
    expect(setAside?.folder).toMatch(/daedalus-set-aside/);
  });

  it('leaves no stale secondary-index files after IMPORT and IN_PLACE restores', async () => {
    await writeAndFlush('indexed', 40);
    expect(await checkIndexes('indexed')).toBe('');
    const imported = await restore({ globalRequest: true, entities: `${KS}.indexed` });
    expect(imported.errors).toEqual([]);
    expect(await checksum('indexed')).toBe(atBackup.indexed);
    expect(await checkIndexes('indexed')).toBe('');

    await writeAndFlush('indexed', 41);
    const [dir] = tableDirs('indexed');
    await waitForRegisteredId('indexed', dir.slice(-32));
    const inPlace = await restoreInPlace('indexed', 'SIGTERM');
    expect(inPlace.errors).toEqual([]);
    expect(await checksum('indexed')).toBe(atBackup.indexed);
    expect(await checkIndexes('indexed')).toBe('');
  });
});

describe('import on Cassandra 5.0 (one node)', () => {
  let system: DaedalusSystem;
  let uploads: string;
  const node = () => system.nodes[0];
  const checksum = async (table: string) => String(await system.simOf(node()).checksum(KS, table));

  beforeAll(async () => {
    uploads = makeTempDir('import-uploads');
    system = await DaedalusSystem.start({ nodes: 1, coordinators: 1, cassandraVersion: '5.0' });
    await system.simOf(node()).createKeyspace(KS, { class: 'SimpleStrategy', replication_factor: '1' });
    for (const table of ['source', 'target']) await system.simOf(node()).createTable(KS, table);
    await system.waitForSchema(KS, ['source', 'target']);
    await system.simOf(node()).writeRows(KS, 'source', 80, 5);
    const flush = await system.post('/operations', { type: 'flush', keyspace: KS, globalRequest: true });
    await system.waitForOperation((flush.body as OperationView).id);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    if (uploads) removeDir(uploads);
  }, 60_000);

  /** Copies the source table's live SSTables into a directory of the test's choosing (an operator's upload). */
  async function upload(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const dataFiles = (await system.simOf(node()).liveSSTables(KS, 'source')) as string[];
    for (const data of dataFiles) {
      const prefix = data.slice(0, -'Data.db'.length);
      const tableDir = join(prefix, '..');
      for (const name of readdirSync(tableDir)) {
        if (join(tableDir, name).startsWith(prefix)) await copyFile(join(tableDir, name), join(dir, name));
      }
    }
  }

  async function importFrom(sourceDir: string): Promise<OperationView> {
    const response = await system.post('/operations', { type: 'import', keyspace: KS, table: 'target', sourceDir });
    expect(response.status).toBe(201);
    return system.waitForOperation((response.body as OperationView).id, undefined, 60_000);
  }

  it('fails an import that loads nothing, naming the table', async () => {
    const dir = join(uploads, 'nothing', KS, 'target');
    await upload(dir);
    await system.simOf(node()).ignoreNextImports(KS, 'target', 1);
    const done = await importFrom(dir);
    expect(done.state).toBe('FAILED');
    expect(done.errors[0].message).toContain(`import into ${KS}.target had no effect`);
    expect(Number(await system.simOf(node()).rowCount(KS, 'target'))).toBe(0);
  });

  it('loads the files of a directory not shaped <keyspace>/<table>, which 5.0 itself would ignore', async () => {
    const dir = join(uploads, 'from-the-operator');
    await upload(dir);
    const done = await importFrom(dir);
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    expect(await checksum('target')).toBe(await checksum('source'));
    expect(readdirSync(dir)).toEqual([]); // moved in, as importNewSSTables does without copyData
  });
});
