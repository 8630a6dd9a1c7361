/**
 * Commit log replay on one 4.0 node: rows written but not flushed survive a kill -9 only in the commit log
 * segments, and come back at the next start; with the segments moved away before the restart, nothing does.
 * A SIGTERM flushes first, leaving nothing to replay.
 */
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * Point-in-time replay from archived segments (Cassandra's commitlog_archiving.properties): segments archived
 * by `archive_command` come back through `restore_command` from `restore_directories` and are replayed in id
 * order, skipping mutations written after `restore_point_in_time` (GMT, whole seconds, precision MICROSECONDS).
 */
describe('commit log restore from archived segments (Cassandra 4.0)', () => {
  let dir: string;
  let group: ProcessGroup;
  let cluster: SimulatedCluster;
  let node: SimulatedNode;
  const PITR_TABLE = 'pitr';

  const properties = (lines: string[]) => writeFileSync(join(node.configDir, 'commitlog_archiving.properties'), lines.join('\n') + '\n');
  const wipeTable = () => {
    const ksDir = join(node.dataDirs[0], KS);
    for (const t of readdirSync(ksDir).filter((d) => d.startsWith(`${PITR_TABLE}-`)))
      for (const f of readdirSync(join(ksDir, t), { withFileTypes: true })) if (f.isFile()) rmSync(join(ksDir, t, f.name));
  };
  /** Waits until the clock is past the next whole second, and returns that second (ms): the point to restore to. */
  const nextSecond = async (): Promise<number> => {
    const point = Math.ceil((Date.now() + 1) / 1000) * 1000;
    while (Date.now() <= point + 20) await new Promise((r) => setTimeout(r, 25));
    return point;
  };
  const flush = () => node.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string(KS), jmxArgs.stringArray([PITR_TABLE])]);
  const format = (ms: number) => new Date(ms).toISOString().replace(/-/g, ':').replace('T', ' ').slice(0, 19);

  beforeAll(async () => {
    dir = makeTempDir('sim-commitlog-pitr');
    group = new ProcessGroup(dir);
    cluster = await startSimulatedCluster({ version: '4.0', group, baseDir: dir, count: 1 });
    node = cluster.nodes[0];
  });

  afterAll(async () => {
    await cluster?.close();
    await group?.stopAll();
    if (dir) removeDir(dir);
  });

  it('replays archived segments up to the point in time, and fails the start on a bad point or a stray file', async () => {
    const archive = join(dir, 'archive');
    mkdirSync(archive);
    await node.sim.setArchiveCommand(`/bin/cp %path ${archive}/%name`);
    await node.sim.createKeyspace(KS);
    await node.sim.createTable(KS, PITR_TABLE);
    await node.sim.writeRows(KS, PITR_TABLE, 30, 11);
    await flush();
    await node.sim.writeRows(KS, PITR_TABLE, 20, 12);
    await flush();
    const twoBatches = await node.sim.checksum(KS, PITR_TABLE);
    const point = await nextSecond();
    await node.sim.writeRows(KS, PITR_TABLE, 10, 13);
    await flush();
    expect(await node.sim.rowCount(KS, PITR_TABLE)).toBe(60);
    await cluster.stopNode(node, 'SIGTERM');
    const archived = readdirSync(archive).filter((f) => /^CommitLog-7-\d+\.log$/.test(f));
    expect(archived.length).toBeGreaterThanOrEqual(2);

    wipeTable();
    const restoreDir = join(dir, 'restore');
    mkdirSync(restoreDir);
    for (const f of archived) copyFileSync(join(archive, f), join(restoreDir, f));

    // a point in a format Cassandra cannot parse fails the start
    properties(['restore_command=/bin/cp -f %from %to', `restore_directories=${restoreDir}`, 'restore_point_in_time=2026-01-01T00:00:00Z']);
    await expect(cluster.restartNode(node)).rejects.toThrow();
    expect(node.process.output()).toContain('Unable to parse restore target time');

    // a file in restore_directories that is no segment fails the start too
    writeFileSync(join(restoreDir, 'index.json'), '{}');
    properties(['restore_command=/bin/cp -f %from %to', `restore_directories=${restoreDir}`, `restore_point_in_time=${format(point)}`]);
    await expect(cluster.restartNode(node)).rejects.toThrow();
    expect(node.process.output()).toContain('Cannot safely construct descriptor for segment');
    rmSync(join(restoreDir, 'index.json'));

    // precision says what unit the write times are in: microsecond write times read as milliseconds are all
    // far after the point, so Cassandra skips every mutation
    properties([
      'restore_command=/bin/cp -f %from %to',
      `restore_directories=${restoreDir}`,
      `restore_point_in_time=${format(point)}`,
      'precision=MILLISECONDS',
    ]);
    await cluster.restartNode(node);
    expect(node.process.output()).toMatch(/Log replay complete/);
    expect(await node.sim.rowCount(KS, PITR_TABLE)).toBe(0);
    await cluster.stopNode(node, 'SIGTERM');

    properties([
      `restore_command=/bin/cp -f %from %to`,
      `restore_directories=${restoreDir}`,
      `restore_point_in_time=${format(point)}`,
      'precision=MICROSECONDS',
    ]);
    await cluster.restartNode(node);
    expect(node.process.output()).toMatch(/Log replay complete, \d+ segment\(s\) replayed/);
    expect(await node.sim.rowCount(KS, PITR_TABLE)).toBe(50);
    expect(await node.sim.checksum(KS, PITR_TABLE)).toBe(twoBatches);
    expect(await node.sim.readRow(KS, PITR_TABLE, 'key-13-00000000')).toBeNull();
    // the restore directory is left as it was; the copies in the commit log directory were replayed and deleted
    expect(readdirSync(restoreDir).sort()).toEqual([...archived].sort());
  });
});
