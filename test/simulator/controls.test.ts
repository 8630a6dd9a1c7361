/**
 * Failure-injection controls of the test MBean on one 4.1 node: delayNextImports (an import that waits before
 * doing anything, so a test can kill its caller mid-import), ignoreNextImports (imports that find nothing and
 * report no failure, as real 5.0.2 does), and truncationCount (kept over a restart).
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { jmxArgs } from '@daedalus/jmx';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { SimulatedCluster, SimulatedNode, startSimulatedCluster, STORAGE_SERVICE, tableBean } from '../support/simulator';

const KS = 'ctl';
const TABLE = 'items';

describe('test controls for failure injection (Cassandra 4.1)', () => {
  let dir: string;
  let group: ProcessGroup;
  let cluster: SimulatedCluster;
  let node: SimulatedNode;
  let sourceSSTable: string[] = [];
  let stagings = 0;

  const flush = () => node.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string(KS), jmxArgs.stringArray([TABLE])]);
  const importFrom = (staging: string) =>
    node.jmx.invoke(tableBean(KS, TABLE), 'importNewSSTables', [
      jmxArgs.set([staging]),
      ...Array.from({ length: 7 }, () => jmxArgs.bool(false)),
    ]) as Promise<string[]>;
  /** A fresh directory holding a copy of one SSTable of 20 rows (written to another table). */
  const stage = (): string => {
    const staging = join(dir, `staging-${++stagings}`, KS, TABLE);
    mkdirSync(staging, { recursive: true });
    for (const f of sourceSSTable) copyFileSync(f, join(staging, f.split('/').pop() ?? ''));
    return staging;
  };

  beforeAll(async () => {
    dir = makeTempDir('sim-controls');
    group = new ProcessGroup(dir);
    cluster = await startSimulatedCluster({ version: '4.1', group, baseDir: dir, count: 1 });
    node = cluster.nodes[0];
    await node.sim.createKeyspace(KS);
    await node.sim.createTable(KS, TABLE);
    await node.sim.createTable(KS, 'source');
    await node.sim.writeRows(KS, 'source', 20, 1);
    await node.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string(KS), jmxArgs.stringArray(['source'])]);
    const [data] = await node.sim.liveSSTables(KS, 'source');
    const tableDir = join(data, '..');
    sourceSSTable = readdirSync(tableDir)
      .filter((f) => f.startsWith('nb-1-big-'))
      .map((f) => join(tableDir, f));
  });

  afterAll(async () => {
    await cluster?.close();
    await group?.stopAll();
    if (dir) removeDir(dir);
  });

  it('delayNextImports makes the next import wait before touching anything, once', async () => {
    const staging = stage();
    await node.sim.delayNextImports(KS, TABLE, 2500);
    const started = Date.now();
    const running = importFrom(staging);
    await new Promise((r) => setTimeout(r, 1000));
    // still waiting: the source files are where they were and nothing is live yet
    expect(readdirSync(staging)).toHaveLength(sourceSSTable.length);
    expect(await node.sim.rowCount(KS, TABLE)).toBe(0);
    expect(await running).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
    expect(readdirSync(staging)).toEqual([]);
    expect(await node.sim.rowCount(KS, TABLE)).toBe(20);

    // the delay was for one call only
    const again = Date.now();
    expect(await importFrom(stage())).toEqual([]);
    expect(Date.now() - again).toBeLessThan(2500);
  });

  it('delayNextImports delays loadNewSSTables too', async () => {
    await node.sim.delayNextImports(KS, TABLE, 1500);
    const started = Date.now();
    await node.jmx.invoke(tableBean(KS, TABLE), 'loadNewSSTables', []);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it('ignoreNextImports: the next n imports import nothing and report no failed directory', async () => {
    const before = await node.sim.liveSSTables(KS, TABLE);
    const staging = stage();
    await node.sim.ignoreNextImports(KS, TABLE, 2);
    expect(await importFrom(staging)).toEqual([]);
    await node.jmx.invoke(tableBean(KS, TABLE), 'loadNewSSTables', []);
    expect(readdirSync(staging)).toHaveLength(sourceSSTable.length);
    expect(await node.sim.liveSSTables(KS, TABLE)).toEqual(before);
    expect(node.process.output()).toContain(`No new SSTables were found for ${KS}/${TABLE}`);
    // the third call imports again
    expect(await importFrom(staging)).toEqual([]);
    expect(readdirSync(staging)).toEqual([]);
    expect(await node.sim.liveSSTables(KS, TABLE)).toHaveLength(before.length + 1);
  });

  it("truncationCount counts this node's truncations of the table and survives a restart", async () => {
    expect(await node.sim.truncationCount(KS, TABLE)).toBe(0);
    await node.jmx.invoke(STORAGE_SERVICE, 'truncate', [jmxArgs.string(KS), jmxArgs.string(TABLE)]);
    await node.sim.writeRows(KS, TABLE, 5, 2);
    await flush();
    await node.jmx.invoke(STORAGE_SERVICE, 'truncate', [jmxArgs.string(KS), jmxArgs.string(TABLE)]);
    expect(await node.sim.truncationCount(KS, TABLE)).toBe(2);
    expect(await node.sim.truncationCount(KS, 'source')).toBe(0);
    await cluster.stopNode(node, 'SIGKILL');
    await cluster.restartNode(node);
    expect(await node.sim.truncationCount(KS, TABLE)).toBe(2);
    expect(await node.sim.rowCount(KS, TABLE)).toBe(0);
  });
});
