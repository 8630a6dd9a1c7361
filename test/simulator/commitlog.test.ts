/**
 * Commit log replay on one 4.0 node: rows written but not flushed survive a kill -9 only in the commit log
 * segments, and come back at the next start; with the segments moved away before the restart, nothing does.
 * A SIGTERM flushes first, leaving nothing to replay.
 */
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { jmxArgs } from '@daedalus/jmx';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { SimulatedCluster, SimulatedNode, startSimulatedCluster, STORAGE_SERVICE } from '../support/simulator';

const KS = 'cl';
const TABLE = 'events';

describe('commit log replay (Cassandra 4.0)', () => {
  let dir: string;
  let group: ProcessGroup;
  let cluster: SimulatedCluster;
  let node: SimulatedNode;

  const flush = () => node.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string(KS), jmxArgs.stringArray([TABLE])]);
  const segments = () => readdirSync(node.commitLogDir).filter((f) => /^CommitLog-7-\d+\.log$/.test(f));

  beforeAll(async () => {
    dir = makeTempDir('sim-commitlog');
    group = new ProcessGroup(dir);
    cluster = await startSimulatedCluster({ version: '4.0', group, baseDir: dir, count: 1 });
    node = cluster.nodes[0];
    await node.sim.createKeyspace(KS);
    await node.sim.createTable(KS, TABLE);
    await node.sim.writeRows(KS, TABLE, 100, 1);
    await flush();
  });

  afterAll(async () => {
    await cluster?.close();
    await group?.stopAll();
    if (dir) removeDir(dir);
  });

  it('kill -9 with unflushed writes: the rows come back from the commit log at restart', async () => {
    await node.sim.writeRows(KS, TABLE, 40, 2);
    expect(await node.sim.memtableRows(KS, TABLE)).toBe(40);
    const sum = await node.sim.checksum(KS, TABLE);
    await cluster.stopNode(node, 'SIGKILL');
    // nothing was flushed: the rows are only in the segment left behind
    expect(segments().length).toBeGreaterThan(0);
    await cluster.restartNode(node);
    expect(node.process.output()).toMatch(/Log replay complete, \d+ segment\(s\) replayed/);
    expect(await node.sim.rowCount(KS, TABLE)).toBe(140);
    expect(await node.sim.checksum(KS, TABLE)).not.toBe(sum);
    expect(await node.sim.readRow(KS, TABLE, 'key-2-00000039')).not.toBeNull();
    // replayed rows were flushed at start, and the replayed segments deleted
    expect(await node.sim.memtableRows(KS, TABLE)).toBe(0);
    expect(segments()).toEqual([]);
  });

  it('kill -9, segments moved away before the restart: nothing is replayed', async () => {
    const sum = await node.sim.checksum(KS, TABLE);
    await node.sim.writeRows(KS, TABLE, 25, 3);
    await cluster.stopNode(node, 'SIGKILL');
    const moved = join(dir, 'moved-segments');
    mkdirSync(moved);
    const files = segments();
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) renameSync(join(node.commitLogDir, f), join(moved, f));
    await cluster.restartNode(node);
    expect(node.process.output()).not.toMatch(/Log replay complete/);
    expect(await node.sim.rowCount(KS, TABLE)).toBe(140);
    expect(await node.sim.checksum(KS, TABLE)).toBe(sum);
    expect(await node.sim.readRow(KS, TABLE, 'key-3-00000000')).toBeNull();
    expect(readdirSync(moved)).toEqual(files);
  });

  it('SIGTERM flushes first: nothing is left to replay', async () => {
    await node.sim.writeRows(KS, TABLE, 10, 4);
    await cluster.stopNode(node, 'SIGTERM');
    expect(segments()).toEqual([]);
    await cluster.restartNode(node);
    expect(node.process.output()).not.toMatch(/Log replay complete/);
    expect(await node.sim.rowCount(KS, TABLE)).toBe(150);
  });
});
