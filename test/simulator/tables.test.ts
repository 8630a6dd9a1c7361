/**
 * Table identity on one 4.1 node with two data directories: the Tables MBean's DataPaths attribute, the
 * LiveSSTableCount metric, and a table dropped and re-created under the same name (two directories share the
 * name; only the live id's is read, also after a restart).
 */
import { copyFileSync, existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { jmxArgs } from '@daedalus/jmx';
import { makeTempDir, ProcessGroup, removeDir, waitFor } from '../support/processes';
import {
  legacyTableBean,
  SimulatedCluster,
  SimulatedNode,
  startSimulatedCluster,
  STORAGE_SERVICE,
  tableBean,
  tableMetric,
} from '../support/simulator';

const KS = 'shop';
const TABLE = 'orders';

describe('table directories, DataPaths and LiveSSTableCount (Cassandra 4.1, two data directories)', () => {
  let dir: string;
  let group: ProcessGroup;
  let cluster: SimulatedCluster;
  let node: SimulatedNode;

  const flush = () => node.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string(KS), jmxArgs.stringArray([TABLE])]);
  const dataPaths = async (bean = tableBean(KS, TABLE)) => (await node.jmx.getAttribute(bean, 'DataPaths')) as string[];
  const liveCount = (name = tableMetric(KS, TABLE, 'LiveSSTableCount')) => node.jmx.getAttribute(name, 'Value');
  /** Directories named `<table>-<32 hex>` in each data directory. */
  const dirsNamed = (table: string) =>
    node.dataDirs.flatMap((d) =>
      readdirSync(join(d, KS))
        .filter((n) => new RegExp(`^${table}-[0-9a-f]{32}$`).test(n))
        .map((n) => join(d, KS, n)),
    );

  beforeAll(async () => {
    dir = makeTempDir('sim-tables');
    group = new ProcessGroup(dir);
    cluster = await startSimulatedCluster({ version: '4.1', group, baseDir: dir, nodes: [{ dataDirCount: 2 }] });
    node = cluster.nodes[0];
    await node.sim.createKeyspace(KS);
    await node.sim.createTable(KS, TABLE);
  });

  afterAll(async () => {
    await cluster?.close();
    await group?.stopAll();
    if (dir) removeDir(dir);
  });

  it('DataPaths names the table directory in each data directory, on both MBean names', async () => {
    const expected = dirsNamed(TABLE).map((d) => realpathSync(d));
    expect(expected).toHaveLength(2);
    expect(await dataPaths()).toEqual(expected);
    expect(await dataPaths(legacyTableBean(KS, TABLE))).toEqual(expected);
    for (const p of expected) expect(basename(p)).toMatch(/^orders-[0-9a-f]{32}$/);
  });

  it('LiveSSTableCount follows flushes, compaction and truncate, under both metric names', async () => {
    expect(await liveCount()).toBe(0);
    for (let i = 0; i < 3; i++) {
      await node.sim.writeRows(KS, TABLE, 10, i);
      await flush();
    }
    expect(await liveCount()).toBe(3);
    expect(await liveCount(`org.apache.cassandra.metrics:type=ColumnFamily,keyspace=${KS},scope=${TABLE},name=LiveSSTableCount`)).toBe(3);
    await node.sim.compact(KS, TABLE);
    expect(await liveCount()).toBe(1);
    await node.jmx.invoke(STORAGE_SERVICE, 'truncate', [jmxArgs.string(KS), jmxArgs.string(TABLE)]);
    expect(await liveCount()).toBe(0);
    const metric = await node.jmx.describe(tableMetric(KS, TABLE, 'LiveSSTableCount'));
    expect(metric.className).toBe('org.apache.cassandra.metrics.CassandraMetricsRegistry$JmxGauge');
  });

  let oldDirs: string[];
  let newDirs: string[];
  /** The old table directory that held the last SSTable before the drop. */
  let oldDataDir: string;
  let dropped: string;

  it('drop + create of the same name: the old directory keeps its dropped snapshot, DataPaths names only the new one', async () => {
    await node.sim.writeRows(KS, TABLE, 30, 7);
    await flush();
    oldDirs = await dataPaths();
    const oldLive = await node.sim.liveSSTables(KS, TABLE);
    expect(oldLive).toHaveLength(1);

    await node.sim.dropTable(KS, TABLE);
    await waitFor(
      'the metric to go with the table',
      async () => (await node.jmx.queryNames(`org.apache.cassandra.metrics:type=Table,keyspace=${KS},scope=${TABLE},*`)).length === 0,
    );
    expect(await node.jmx.queryNames(`org.apache.cassandra.db:type=Tables,keyspace=${KS},*`)).toEqual([]);
    await node.sim.createTable(KS, TABLE);

    newDirs = await dataPaths();
    expect(newDirs).toHaveLength(2);
    for (const d of newDirs) expect(oldDirs).not.toContain(d);
    expect(
      dirsNamed(TABLE)
        .map((d) => realpathSync(d))
        .sort(),
    ).toEqual([...oldDirs, ...newDirs].sort());
    // the old directory holds the dropped- snapshot (with the SSTable) and no live SSTable any more
    oldDataDir = join(oldLive[0], '..');
    // the truncate above left its own truncated- snapshot
    const snaps = readdirSync(join(oldDataDir, 'snapshots')).filter((s) => s.startsWith('dropped-'));
    expect(snaps).toHaveLength(1);
    dropped = snaps[0];
    expect(dropped).toMatch(new RegExp(`^dropped-\\d{13}-${TABLE}$`));
    expect(readdirSync(join(oldDataDir, 'snapshots', dropped))).toContain(basename(oldLive[0]));
    expect(existsSync(oldLive[0])).toBe(false);
    expect(await node.sim.rowCount(KS, TABLE)).toBe(0);
    expect(await liveCount()).toBe(0);
  });

  it('writes and flushes of the re-created table go to the new directory', async () => {
    for (let i = 0; i < 2; i++) {
      await node.sim.writeRows(KS, TABLE, 20, 100 + i);
      await flush();
    }
    const live = await node.sim.liveSSTables(KS, TABLE);
    expect(live).toHaveLength(2);
    for (const f of live) expect(newDirs).toContain(realpathSync(join(f, '..')));
    expect(await node.sim.rowCount(KS, TABLE)).toBe(40);
    expect(await liveCount()).toBe(2);
  });

  it("after a restart only the live id's directory is loaded, even with SSTables left in the old one", async () => {
    // a careless restore puts files into the dropped table's directory: the node must not read them
    const snap = join(oldDataDir, 'snapshots', dropped);
    for (const f of readdirSync(snap).filter((x) => /^nb-\d+-big-/.test(x))) {
      copyFileSync(join(snap, f), join(oldDataDir, f.replace(/^nb-\d+-/, 'nb-50-')));
    }
    const sum = await node.sim.checksum(KS, TABLE);
    await cluster.stopNode(node, 'SIGKILL');
    await cluster.restartNode(node);
    expect(await dataPaths()).toEqual(newDirs);
    expect(await node.sim.rowCount(KS, TABLE)).toBe(40);
    expect(await node.sim.checksum(KS, TABLE)).toBe(sum);
    expect(await liveCount()).toBe(2);
    expect(readdirSync(oldDataDir)).toContain('nb-50-big-Data.db');
  });
});
