/**
 * Secondary indexes. A classic 2i (kind `legacy`) on a two-node 4.1 cluster: its SSTables in `.<index>/` with
 * their own generations, kept in step by flush, compaction, cleanup, scrub, upgradesstables, truncate, drop,
 * import and loadNewSSTables, snapshotted under `snapshots/<tag>/.<index>/`, and loaded as they are at start
 * (so a careless restore shows). SAI (5.0 only) on one 5.0 node: components beside each SSTable, PartitionToSize
 * left out of TOC.txt and so out of snapshots.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { jmxArgs, JmxValue } from '@daedalus/jmx';
import { makeTempDir, ProcessGroup, removeDir, waitFor } from '../support/processes';
import { SimulatedCluster, SimulatedNode, startSimulatedCluster, STORAGE_SERVICE, tableBean } from '../support/simulator';

const KS = 'ix';

function tableDir(node: SimulatedNode, table: string): string {
  const name = readdirSync(join(node.dataDirs[0], KS)).find((n) => n.startsWith(`${table}-`));
  if (!name) throw new Error(`no directory for ${table}`);
  return join(node.dataDirs[0], KS, name);
}

/** Copies the files of `from` matching `pattern` into `to` (created), renaming with `rename`. */
function copyFiles(from: string, to: string, pattern: RegExp, rename: (f: string) => string = (f) => f): string[] {
  mkdirSync(to, { recursive: true });
  const names = readdirSync(from).filter((f) => pattern.test(f));
  for (const f of names) copyFileSync(join(from, f), join(to, rename(f)));
  return names;
}

describe('classic secondary indexes (Cassandra 4.1, two nodes)', () => {
  const TABLE = 'users';
  const IDX = 'users_by_value';
  let dir: string;
  let group: ProcessGroup;
  let cluster: SimulatedCluster;
  let n1: SimulatedNode;
  let n2: SimulatedNode;

  const ss = (node: SimulatedNode, op: string, args: Parameters<SimulatedNode['jmx']['invoke']>[2]): Promise<JmxValue> =>
    node.jmx.invoke(STORAGE_SERVICE, op, args);
  const target = () => [jmxArgs.string(KS), jmxArgs.stringArray([TABLE])];
  const flush = (node: SimulatedNode) => ss(node, 'forceKeyspaceFlush', target());
  const indexDir = () => join(tableDir(n1, TABLE), `.${IDX}`);
  const indexData = () =>
    existsSync(indexDir())
      ? readdirSync(indexDir())
          .filter((f) => f.endsWith('-Data.db'))
          .sort()
      : [];
  const generation = (f: string) => Number(basename(f).split('-')[1]);

  beforeAll(async () => {
    dir = makeTempDir('sim-2i');
    group = new ProcessGroup(dir);
    cluster = await startSimulatedCluster({ version: '4.1', group, baseDir: dir, count: 2, incrementalBackups: true });
    [n1, n2] = cluster.nodes;
    await n1.sim.createKeyspace(KS, { class: 'SimpleStrategy', replication_factor: '1' });
    await n1.sim.createTable(KS, TABLE);
    await cluster.waitForSchemaAgreement();
    for (const seed of [1, 2]) {
      await n1.sim.writeRows(KS, TABLE, 100, seed);
      await flush(n1);
    }
    await n2.sim.writeRows(KS, TABLE, 50, 9);
    await flush(n2);
  });

  afterAll(async () => {
    await cluster?.close();
    await group?.stopAll();
    if (dir) removeDir(dir);
  });

  it('refuses an SAI index before 5.0, as CQL does', async () => {
    await expect(n1.sim.createIndex(KS, TABLE, 'nope', 'sai')).rejects.toThrow(
      /Unable to find custom indexer class 'StorageAttachedIndex'/,
    );
    expect(await n1.sim.indexFiles(KS, TABLE)).toEqual([]);
  });

  it('CREATE INDEX builds the index of existing data on every node, in .<index>/ with its own generations', async () => {
    await n1.sim.createIndex(KS, TABLE, IDX, 'legacy');
    await expect(n1.sim.createIndex(KS, TABLE, IDX, 'legacy')).rejects.toThrow(/already exists/);
    expect(indexData()).toEqual(['nb-1-big-Data.db', 'nb-2-big-Data.db']);
    const files = await n1.sim.indexFiles(KS, TABLE);
    expect(files.every((f) => f.startsWith(`${indexDir()}/nb-`))).toBe(true);
    expect(
      files
        .filter((f) => basename(f).startsWith('nb-1-big-'))
        .map((f) => basename(f).slice('nb-1-big-'.length))
        .sort(),
    ).toEqual(['CompressionInfo.db', 'Data.db', 'Digest.crc32', 'Filter.db', 'Index.db', 'Statistics.db', 'Summary.db', 'TOC.txt']);
    expect(await n1.sim.checkIndexes(KS, TABLE)).toBe('');
    // the schema reaches node 2, which builds the index from its own data
    await waitFor('the index on node 2', async () => (await n2.sim.indexFiles(KS, TABLE)).length > 0);
    expect(await n2.sim.checkIndexes(KS, TABLE)).toBe('');
  });

  it('a flush writes a new index SSTable (with its backup link) beside the new SSTable', async () => {
    await n1.sim.writeRows(KS, TABLE, 30, 3);
    await flush(n1);
    const live = await n1.sim.liveSSTables(KS, TABLE);
    expect(live.map(generation)).toEqual([1, 2, 3]);
    expect(indexData()).toEqual(['nb-1-big-Data.db', 'nb-2-big-Data.db', 'nb-3-big-Data.db']);
    expect(existsSync(join(tableDir(n1, TABLE), 'backups', `.${IDX}`, 'nb-3-big-Data.db'))).toBe(true);
    expect(await n1.sim.checkIndexes(KS, TABLE)).toBe('');
  });

  it('compaction, scrub and upgradesstables rewrite the index; cleanup drops the entries of the rows it drops', async () => {
    const before = indexData();
    await n1.sim.compact(KS, TABLE);
    expect(indexData()).toHaveLength(1);
    expect(before).not.toContain(indexData()[0]);
    expect(await n1.sim.checkIndexes(KS, TABLE)).toBe('');

    const rows = await n1.sim.rowCount(KS, TABLE);
    await ss(n1, 'forceKeyspaceCleanup', [jmxArgs.int(0), ...target()]);
    // RF 1 over two nodes: node 1 keeps only its share, and its index keeps only theirs
    expect(await n1.sim.rowCount(KS, TABLE)).toBeLessThan(rows);
    expect(await n1.sim.checkIndexes(KS, TABLE)).toBe('');

    let previous = indexData();
    await ss(n1, 'scrub', [jmxArgs.bool(true), jmxArgs.bool(false), jmxArgs.bool(true), jmxArgs.bool(false), jmxArgs.int(0), ...target()]);
    expect(indexData()).not.toEqual(previous);
    previous = indexData();
    await ss(n1, 'upgradeSSTables', [jmxArgs.string(KS), jmxArgs.bool(false), jmxArgs.int(0), jmxArgs.stringArray([TABLE])]);
    expect(indexData()).not.toEqual(previous);
    expect(await n1.sim.checkIndexes(KS, TABLE)).toBe('');
  });

  let snapshot: string;

  it('a snapshot links the index SSTables under snapshots/<tag>/.<index>/ and lists them in the manifest', async () => {
    await ss(n1, 'takeSnapshot', [jmxArgs.string('with-index'), jmxArgs.map({}), jmxArgs.stringArray([`${KS}.${TABLE}`])]);
    snapshot = join(tableDir(n1, TABLE), 'snapshots', 'with-index');
    const linked = readdirSync(join(snapshot, `.${IDX}`));
    expect(linked.filter((f) => f.endsWith('-Data.db'))).toEqual(indexData());
    const manifest = JSON.parse(readFileSync(join(snapshot, 'manifest.json'), 'utf8')) as { files: string[] };
    expect(manifest.files).toContain(`.${IDX}/${indexData()[0]}`);
    const live = await n1.sim.liveSSTables(KS, TABLE);
    expect(manifest.files).toEqual(expect.arrayContaining(live.map((f) => basename(f))));
    expect(readFileSync(join(snapshot, 'schema.cql'), 'utf8')).toContain(`CREATE INDEX IF NOT EXISTS ${IDX} ON ${KS}.${TABLE} (value);`);
  });

  it('truncate deletes the index SSTables, and its snapshot holds them', async () => {
    await ss(n1, 'truncate', [jmxArgs.string(KS), jmxArgs.string(TABLE)]);
    expect(indexData()).toEqual([]);
    expect(await n1.sim.indexFiles(KS, TABLE)).toEqual([]);
    expect(await n1.sim.checkIndexes(KS, TABLE)).toBe('');
    const snaps = readdirSync(join(tableDir(n1, TABLE), 'snapshots')).filter((s) => s.startsWith('truncated-'));
    expect(snaps).toHaveLength(1);
    expect(readdirSync(join(tableDir(n1, TABLE), 'snapshots', snaps[0], `.${IDX}`)).some((f) => f.endsWith('-Data.db'))).toBe(true);
  });

  it('importNewSSTables builds the index of what it imports and leaves a .<index>/ of the source where it is', async () => {
    const staging = join(dir, 'restore', KS, TABLE);
    copyFiles(snapshot, staging, /^nb-\d+-big-/);
    const stagedIndex = copyFiles(join(snapshot, `.${IDX}`), join(staging, `.${IDX}`), /^nb-/);
    const args = [jmxArgs.set([staging]), ...Array.from({ length: 7 }, () => jmxArgs.bool(false))];
    expect(await n1.jmx.invoke(tableBean(KS, TABLE), 'importNewSSTables', args)).toEqual([]);
    expect(readdirSync(staging)).toEqual([`.${IDX}`]);
    expect(readdirSync(join(staging, `.${IDX}`))).toEqual(stagedIndex);
    expect(indexData().length).toBeGreaterThan(0);
    expect(await n1.sim.checkIndexes(KS, TABLE)).toBe('');
  });

  it('loadNewSSTables builds the index of what it loads', async () => {
    const rows = await n1.sim.rowCount(KS, TABLE);
    await n2.sim.createTable(KS, 'other');
    await waitFor(
      'table other on node 1',
      async () => (await n1.jmx.queryNames(`org.apache.cassandra.db:type=Tables,keyspace=${KS},table=other`)).length === 1,
    );
    await n1.sim.writeRows(KS, 'other', 25, 77);
    await ss(n1, 'forceKeyspaceFlush', [jmxArgs.string(KS), jmxArgs.stringArray(['other'])]);
    copyFiles(tableDir(n1, 'other'), tableDir(n1, TABLE), /^nb-1-big-/, (f) => f.replace(/^nb-1-/, 'nb-90-'));
    await n1.jmx.invoke(tableBean(KS, TABLE), 'loadNewSSTables', []);
    expect(await n1.sim.rowCount(KS, TABLE)).toBe(rows + 25);
    expect(await n1.sim.checkIndexes(KS, TABLE)).toBe('');
  });

  it('at start the index on disk is loaded as it is: SSTables dropped in by hand show as missing keys, stale index files as stale', async () => {
    await n1.sim.writeRows(KS, 'other', 15, 78);
    await ss(n1, 'forceKeyspaceFlush', [jmxArgs.string(KS), jmxArgs.stringArray(['other'])]);
    await cluster.stopNode(n1, 'SIGTERM');
    // a careless restore: an SSTable copied straight into the table directory, and another node's old index beside it
    copyFiles(tableDir(n1, 'other'), tableDir(n1, TABLE), /^nb-2-big-/, (f) => f.replace(/^nb-2-/, 'nb-95-'));
    const n2Snapshots = join(tableDir(n2, TABLE), 'snapshots');
    const n2Index = join(n2Snapshots, readdirSync(n2Snapshots).find((t) => t.startsWith('truncated-')) ?? 'missing', `.${IDX}`);
    expect(copyFiles(n2Index, indexDir(), /^nb-\d+-big-/, (f) => f.replace(/^nb-(\d+)-/, 'nb-5$1-')).length).toBeGreaterThan(0);
    await cluster.restartNode(n1);
    const report = await n1.sim.checkIndexes(KS, TABLE);
    expect(report).toMatch(new RegExp(`index ${IDX}: 15 live keys missing, e\\.g\\. key-78-`));
    expect(report).toMatch(new RegExp(`index ${IDX}: 50 stale entries for keys not live, e\\.g\\. key-9-`));
  });

  it('drop table: the dropped- snapshot holds the index SSTables, the live ones are deleted', async () => {
    const table = tableDir(n1, TABLE);
    await n1.sim.dropTable(KS, TABLE);
    const dropped = readdirSync(join(table, 'snapshots')).find((s) => s.startsWith('dropped-')) ?? '';
    expect(readdirSync(join(table, 'snapshots', dropped, `.${IDX}`)).some((f) => f.endsWith('-Data.db'))).toBe(true);
    expect(readdirSync(join(table, `.${IDX}`))).toEqual([]);
  });
});

describe('storage-attached indexes (Cassandra 5.0)', () => {
  const TABLE = 'docs';
  const IDX = 'docs_value';
  let dir: string;
  let group: ProcessGroup;
  let cluster: SimulatedCluster;
  let node: SimulatedNode;

  const ss = (op: string, args: Parameters<SimulatedNode['jmx']['invoke']>[2]): Promise<JmxValue> =>
    node.jmx.invoke(STORAGE_SERVICE, op, args);
  const flush = () => ss('forceKeyspaceFlush', [jmxArgs.string(KS), jmxArgs.stringArray([TABLE])]);
  const componentsOf = (prefix: string) =>
    readdirSync(tableDir(node, TABLE))
      .filter((f) => f.startsWith(prefix))
      .map((f) => f.slice(prefix.length))
      .sort();
  const SAI = [
    'GroupComplete',
    'GroupMeta',
    'PartitionKeyBlockOffsets',
    'PartitionKeyBlocks',
    'PartitionToSize',
    'RowToPartition',
    'RowToToken',
  ].map((p) => `SAI+aa+${p}.db`);
  const SAI_INDEX = ['ColumnComplete', 'Meta', 'PostingLists', 'TermsData'].map((p) => `SAI+aa+${IDX}+${p}.db`);
  const BIG = ['CompressionInfo.db', 'Data.db', 'Digest.crc32', 'Filter.db', 'Index.db', 'Statistics.db', 'Summary.db', 'TOC.txt'];

  beforeAll(async () => {
    dir = makeTempDir('sim-sai');
    group = new ProcessGroup(dir);
    cluster = await startSimulatedCluster({ version: '5.0', group, baseDir: dir, count: 1 });
    node = cluster.nodes[0];
    await node.sim.createKeyspace(KS);
    await node.sim.createTable(KS, TABLE);
    await node.sim.writeRows(KS, TABLE, 80, 1);
    await flush();
  });

  afterAll(async () => {
    await cluster?.close();
    await group?.stopAll();
    if (dir) removeDir(dir);
  });

  it('CREATE INDEX ... sai writes the components beside each SSTable; PartitionToSize is not in TOC.txt', async () => {
    await node.sim.createIndex(KS, TABLE, IDX, 'sai');
    expect(componentsOf('nb-1-big-')).toEqual([...BIG, ...SAI, ...SAI_INDEX].sort());
    const toc = readFileSync(join(tableDir(node, TABLE), 'nb-1-big-TOC.txt'), 'utf8')
      .trim()
      .split('\n')
      .sort();
    expect(toc).toEqual([...BIG, ...SAI, ...SAI_INDEX].filter((c) => c !== 'SAI+aa+PartitionToSize.db').sort());
    expect(await node.sim.indexFiles(KS, TABLE)).toEqual(
      [...SAI, ...SAI_INDEX].map((c) => join(tableDir(node, TABLE), `nb-1-big-${c}`)).sort(),
    );
    expect(await node.sim.checkIndexes(KS, TABLE)).toBe('');
  });

  it('a flush writes the components of the new SSTable; a snapshot has all but PartitionToSize', async () => {
    await node.sim.writeRows(KS, TABLE, 40, 2);
    await flush();
    expect(componentsOf('nb-2-big-')).toEqual([...BIG, ...SAI, ...SAI_INDEX].sort());
    await ss('takeSnapshot', [jmxArgs.string('sai'), jmxArgs.map({}), jmxArgs.stringArray([KS])]);
    const snap = join(tableDir(node, TABLE), 'snapshots', 'sai');
    const linked = readdirSync(snap)
      .filter((f) => f.startsWith('nb-2-big-'))
      .map((f) => f.slice('nb-2-big-'.length))
      .sort();
    expect(linked).toEqual([...BIG, ...SAI, ...SAI_INDEX].filter((c) => c !== 'SAI+aa+PartitionToSize.db').sort());
    expect(readFileSync(join(snap, 'schema.cql'), 'utf8')).toContain(
      `CREATE CUSTOM INDEX IF NOT EXISTS ${IDX} ON ${KS}.${TABLE} (value) USING 'org.apache.cassandra.index.sai.StorageAttachedIndex';`,
    );
    expect(await node.sim.checkIndexes(KS, TABLE)).toBe('');
  });

  it("compaction writes the components of its output and deletes all of the inputs', PartitionToSize included", async () => {
    await node.sim.compact(KS, TABLE);
    expect(componentsOf('nb-1-big-')).toEqual([]);
    expect(componentsOf('nb-2-big-')).toEqual([]);
    expect(componentsOf('nb-3-big-')).toEqual([...BIG, ...SAI, ...SAI_INDEX].sort());
    expect(await node.sim.checkIndexes(KS, TABLE)).toBe('');
  });

  it('truncate deletes them; an import from the snapshot builds them again, PartitionToSize included', async () => {
    await ss('truncate', [jmxArgs.string(KS), jmxArgs.string(TABLE)]);
    expect(await node.sim.indexFiles(KS, TABLE)).toEqual([]);
    const staging = join(dir, 'restore', KS, TABLE);
    copyFiles(join(tableDir(node, TABLE), 'snapshots', 'sai'), staging, /^nb-\d+-big-/);
    const args = [jmxArgs.set([staging]), ...Array.from({ length: 9 }, () => jmxArgs.bool(false))];
    expect(await node.jmx.invoke(tableBean(KS, TABLE), 'importNewSSTables', args)).toEqual([]);
    const live = await node.sim.liveSSTables(KS, TABLE);
    expect(live).toHaveLength(2);
    for (const data of live) {
      expect(componentsOf(basename(data).replace('Data.db', ''))).toEqual([...BIG, ...SAI, ...SAI_INDEX].sort());
    }
    expect(await node.sim.rowCount(KS, TABLE)).toBe(120);
    expect(await node.sim.checkIndexes(KS, TABLE)).toBe('');
  });

  it('at start components are loaded as they are: a snapshot copied in by hand lacks PartitionToSize, stray ones are stale', async () => {
    await cluster.stopNode(node, 'SIGKILL');
    const snap = join(tableDir(node, TABLE), 'snapshots', 'sai');
    // nb-2 of the snapshot comes back whole (less PartitionToSize, which no snapshot has) under generation 20;
    // the SAI files of nb-1 come without their SSTable
    copyFiles(snap, tableDir(node, TABLE), /^nb-2-big-/, (f) => f.replace(/^nb-2-/, 'nb-20-'));
    copyFiles(snap, tableDir(node, TABLE), /^nb-1-big-SAI\+/, (f) => f.replace(/^nb-1-/, 'nb-21-'));
    await cluster.restartNode(node);
    const report = await node.sim.checkIndexes(KS, TABLE);
    expect(report).toContain(`missing SAI component ${join(tableDir(node, TABLE), 'nb-20-big-SAI+aa+PartitionToSize.db')}`);
    expect(report).toContain(
      `stale SAI component of an SSTable that is not live: ${join(tableDir(node, TABLE), 'nb-21-big-SAI+aa+GroupComplete.db')}`,
    );
  });
});
