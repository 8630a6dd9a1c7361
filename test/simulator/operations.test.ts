/**
 * Node operations on a two-node 4.1 cluster: flushes spread over two data directories, incremental backups,
 * compaction, truncate (cluster-wide, auto-snapshot, peer down), importNewSSTables in all its forms,
 * loadNewSSTables, upgradesstables, cleanup, scrub, rebuild, commit log archiving, compaction progress and
 * stopCompaction, drain and decommission. The tests run in order and build on each other's state.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { JmxError, jmxArgs, JmxValue } from '@daedalus/jmx';
import { makeTempDir, ProcessGroup, removeDir, waitFor } from '../support/processes';
import {
  COMPACTION_MANAGER,
  SimulatedCluster,
  SimulatedNode,
  startSimulatedCluster,
  STORAGE_SERVICE,
  tableBean,
} from '../support/simulator';

const KS = 'ops';

async function failure(p: Promise<unknown>): Promise<JmxError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof JmxError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

function tableDirs(node: SimulatedNode, table: string): string[] {
  return node.dataDirs.map((d) => {
    const name = readdirSync(join(d, KS)).find((n) => n.startsWith(`${table}-`));
    if (!name) throw new Error(`no directory for ${table} in ${d}`);
    return join(d, KS, name);
  });
}

function generation(dataFile: string): number {
  return Number(basename(dataFile).split('-')[1]);
}

/** Copies the SSTable files of a snapshot into a fresh directory, as a restore download would. */
function stage(from: string, to: string): string {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) {
    if (/^[a-z]{2}-\d+-big-/.test(f)) copyFileSync(join(from, f), join(to, f));
  }
  return to;
}

describe('node operations (Cassandra 4.1, two nodes)', () => {
  let dir: string;
  let group: ProcessGroup;
  let cluster: SimulatedCluster;
  let n1: SimulatedNode;
  let n2: SimulatedNode;
  let archiveDir: string;

  const ss = (node: SimulatedNode, op: string, args: Parameters<SimulatedNode['jmx']['invoke']>[2]): Promise<JmxValue> =>
    node.jmx.invoke(STORAGE_SERVICE, op, args);
  const flush = (node: SimulatedNode, table: string) => ss(node, 'forceKeyspaceFlush', [jmxArgs.string(KS), jmxArgs.stringArray([table])]);
  const importArgs = (dirs: string[], verify: boolean, copy: boolean) => [
    jmxArgs.set(dirs),
    jmxArgs.bool(true),
    jmxArgs.bool(true),
    jmxArgs.bool(verify),
    jmxArgs.bool(false),
    jmxArgs.bool(false),
    jmxArgs.bool(verify),
    jmxArgs.bool(copy),
  ];
  const importInto = (node: SimulatedNode, table: string, dirs: string[], verify: boolean, copy: boolean) =>
    node.jmx.invoke(tableBean(KS, table), 'importNewSSTables', importArgs(dirs, verify, copy)) as Promise<string[]>;

  beforeAll(async () => {
    dir = makeTempDir('sim-ops');
    group = new ProcessGroup(dir);
    archiveDir = join(dir, 'archive');
    mkdirSync(archiveDir);
    cluster = await startSimulatedCluster({
      version: '4.1',
      group,
      baseDir: dir,
      nodes: [{ dataDirCount: 2 }, { extraArgs: ['--compaction-throughput-mib', '2'] }],
      incrementalBackups: true,
      commitLogSegmentKiB: 64,
    });
    [n1, n2] = cluster.nodes;
    await n1.sim.createKeyspace(KS, { class: 'SimpleStrategy', replication_factor: '1' });
    for (const t of ['items', 'logs', 'slow']) await n1.sim.createTable(KS, t);
    await cluster.waitForSchemaAgreement();
  });

  afterAll(async () => {
    await cluster?.close();
    await group?.stopAll();
    if (dir) removeDir(dir);
  });

  it('spreads flushes over the data directories and hard-links each flush into backups/', async () => {
    for (let i = 0; i < 4; i++) {
      await n1.sim.writeRows(KS, 'items', 100, i);
      await flush(n1, 'items');
    }
    const live = await n1.sim.liveSSTables(KS, 'items');
    expect(live.map(generation)).toEqual([1, 2, 3, 4]);
    const [d1, d2] = tableDirs(n1, 'items');
    expect(live.filter((f) => f.startsWith(d1))).toHaveLength(2);
    expect(live.filter((f) => f.startsWith(d2))).toHaveLength(2);
    for (const f of live) {
      const backup = join(f, '..', 'backups', basename(f));
      expect(statSync(backup).ino).toBe(statSync(f).ino);
    }
    expect(await n1.jmx.getAttribute(STORAGE_SERVICE, 'IncrementalBackupsEnabled')).toBe(true);
    expect(await n1.sim.rowCount(KS, 'items')).toBe(400);
  });

  it('compaction merges the live SSTables into one new generation and deletes the old ones', async () => {
    const before = await n1.sim.checksum(KS, 'items');
    const old = await n1.sim.liveSSTables(KS, 'items');
    await ss(n1, 'forceKeyspaceCompaction', [jmxArgs.bool(false), jmxArgs.string(KS), jmxArgs.stringArray(['items'])]);
    const live = await n1.sim.liveSSTables(KS, 'items');
    expect(live).toHaveLength(1);
    expect(generation(live[0])).toBe(5);
    for (const f of old) expect(existsSync(f)).toBe(false);
    expect(await n1.sim.checksum(KS, 'items')).toBe(before);
    // compaction output is not an incremental backup
    expect(existsSync(join(live[0], '..', 'backups', basename(live[0])))).toBe(false);
  });

  let expected: string;
  let snapshotFiles: string[];

  it('snapshot links land in every data dir holding the table; truncate drops the data cluster-wide', async () => {
    await n1.sim.writeRows(KS, 'items', 50, 10);
    await n2.sim.writeRows(KS, 'items', 30, 11);
    await flush(n2, 'items');
    await ss(n1, 'takeSnapshot', [jmxArgs.string('bk'), jmxArgs.map({}), jmxArgs.stringArray([`${KS}.items`])]);
    expected = await n1.sim.checksum(KS, 'items');
    const snapDirs = tableDirs(n1, 'items').map((d) => join(d, 'snapshots', 'bk'));
    snapshotFiles = snapDirs.flatMap((d) =>
      readdirSync(d)
        .filter((f) => f.endsWith('-Data.db'))
        .map((f) => join(d, f)),
    );
    expect(snapshotFiles).toHaveLength(2);
    expect(snapDirs.filter((d) => existsSync(join(d, 'manifest.json')))).toHaveLength(1);

    await ss(n1, 'truncate', [jmxArgs.string(KS), jmxArgs.string('items')]);
    expect(await n1.sim.liveSSTables(KS, 'items')).toEqual([]);
    expect(await n2.sim.liveSSTables(KS, 'items')).toEqual([]);
    for (const node of [n1, n2]) {
      const snaps = tableDirs(node, 'items').flatMap((d) => (existsSync(join(d, 'snapshots')) ? readdirSync(join(d, 'snapshots')) : []));
      expect(snaps.some((s) => /^truncated-\d{13}-items$/.test(s))).toBe(true);
    }
  });

  it('importNewSSTables moves verified SSTables in under new generations and returns no failures', async () => {
    const staging = stage(join(snapshotFiles[0], '..'), join(dir, 'staging1'));
    const staging2 = stage(join(snapshotFiles[1], '..'), join(dir, 'staging2'));
    const failed = await importInto(n1, 'items', [staging, staging2], true, false);
    expect(failed).toEqual([]);
    expect(readdirSync(staging)).toEqual([]);
    const live = await n1.sim.liveSSTables(KS, 'items');
    expect(live).toHaveLength(2);
    // never a generation already used in the table (the truncated ones went up to 6)
    for (const f of live) expect(generation(f)).toBeGreaterThan(6);
    expect(await n1.sim.checksum(KS, 'items')).toBe(expected);
  });

  it('importNewSSTables with copyData leaves the source files in place', async () => {
    const staging = stage(join(snapshotFiles[0], '..'), join(dir, 'staging3'));
    const files = readdirSync(staging).sort();
    expect(await importInto(n1, 'items', [staging], false, true)).toEqual([]);
    expect(readdirSync(staging).sort()).toEqual(files);
    expect(await n1.sim.liveSSTables(KS, 'items')).toHaveLength(3);
  });

  it('reports a directory whose SSTable fails verification, and moves nothing from it', async () => {
    const bad = stage(join(snapshotFiles[0], '..'), join(dir, 'bad'));
    const data = readdirSync(bad).find((f) => f.endsWith('-Data.db')) ?? '';
    const bytes = readFileSync(join(bad, data));
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(join(bad, data), bytes);
    const good = stage(join(snapshotFiles[1], '..'), join(dir, 'good'));
    const before = (await n1.sim.liveSSTables(KS, 'items')).length;
    expect(await importInto(n1, 'items', [bad, good], true, false)).toEqual([bad]);
    expect(readdirSync(bad)).toContain(data);
    expect(readdirSync(good)).toEqual([]);
    expect(await n1.sim.liveSSTables(KS, 'items')).toHaveLength(before + 1);
  });

  it('fails an SSTable without its TOC even unverified, and the next n imports when told to', async () => {
    const noToc = stage(join(snapshotFiles[0], '..'), join(dir, 'notoc'));
    renameSync(join(noToc, readdirSync(noToc).find((f) => f.endsWith('TOC.txt')) ?? ''), join(dir, 'toc.bak'));
    expect(await importInto(n1, 'items', [noToc], false, false)).toEqual([noToc]);

    const staged = stage(join(snapshotFiles[0], '..'), join(dir, 'injected'));
    await n1.sim.failNextImports(KS, 'items', 1);
    expect(await importInto(n1, 'items', [staged], false, false)).toEqual([staged]);
    expect(readdirSync(staged).length).toBeGreaterThan(0);
    expect(await importInto(n1, 'items', [staged], false, false)).toEqual([]);
    const missing = await failure(importInto(n1, 'items', [join(dir, 'nope')], false, false));
    expect(missing.message).toMatch(/Directory .*nope does not exist/);
  });

  it('loadNewSSTables picks up files dropped into the table directory', async () => {
    await n1.sim.writeRows(KS, 'logs', 40, 101);
    await flush(n1, 'logs');
    const [src] = await n1.sim.liveSSTables(KS, 'logs');
    const tableDir = tableDirs(n1, 'items')[0];
    const prefix = basename(src).replace('Data.db', '');
    for (const f of readdirSync(join(src, '..')).filter((x) => x.startsWith(prefix))) {
      copyFileSync(join(src, '..', f), join(tableDir, f.replace(/^nb-\d+-/, 'nb-900-')));
    }
    const before = await n1.sim.rowCount(KS, 'items');
    await n1.jmx.invoke(tableBean(KS, 'items'), 'loadNewSSTables', []);
    expect(await n1.sim.rowCount(KS, 'items')).toBe(before + 40);
  });

  it('imports an older SSTable version as is, and upgradesstables rewrites it to the current one', async () => {
    const [src] = await n1.sim.liveSSTables(KS, 'logs');
    const old = join(dir, 'old-version');
    mkdirSync(old);
    const prefix = basename(src).replace('Data.db', '');
    for (const f of readdirSync(join(src, '..')).filter((x) => x.startsWith(prefix))) {
      copyFileSync(join(src, '..', f), join(old, f.replace(/^nb-/, 'na-')));
    }
    expect(await importInto(n1, 'logs', [old], true, false)).toEqual([]);
    const versions = () => n1.sim.liveSSTables(KS, 'logs').then((l) => l.map((f) => basename(f).slice(0, 2)).sort());
    expect(await versions()).toEqual(['na', 'nb']);
    await ss(n1, 'upgradeSSTables', [
      jmxArgs.string(KS),
      jmxArgs.bool(true),
      jmxArgs.long(Number.MAX_SAFE_INTEGER),
      jmxArgs.int(0),
      jmxArgs.stringArray(['logs']),
    ]);
    expect(await versions()).toEqual(['nb', 'nb']);
  });

  it('cleanup keeps only the keys this node replicates; scrub snapshots first and keeps the data', async () => {
    for (const node of [n1, n2]) {
      await node.sim.writeRows(KS, 'logs', 1000, 42);
      await flush(node, 'logs');
    }
    const total1 = await n1.sim.rowCount(KS, 'logs');
    expect(await ss(n1, 'forceKeyspaceCleanup', [jmxArgs.int(0), jmxArgs.string(KS), jmxArgs.stringArray(['logs'])])).toBe(0);
    await ss(n2, 'forceKeyspaceCleanup', [jmxArgs.int(0), jmxArgs.string(KS), jmxArgs.stringArray(['logs'])]);
    const kept1 = await n1.sim.rowCount(KS, 'logs');
    const kept2 = await n2.sim.rowCount(KS, 'logs');
    expect(kept1).toBeGreaterThan(0);
    expect(kept1).toBeLessThan(total1);
    // RF 1 over two nodes: together they hold each of the 1000 shared keys exactly once
    expect(kept1 + kept2).toBeGreaterThanOrEqual(1000);
    expect(kept1 + kept2).toBeLessThan(total1 + 1000);

    const sum = await n1.sim.checksum(KS, 'logs');
    const before = await n1.sim.liveSSTables(KS, 'logs');
    await ss(n1, 'scrub', [
      jmxArgs.bool(false),
      jmxArgs.bool(false),
      jmxArgs.bool(true),
      jmxArgs.bool(false),
      jmxArgs.int(0),
      jmxArgs.string(KS),
      jmxArgs.stringArray(['logs']),
    ]);
    const after = await n1.sim.liveSSTables(KS, 'logs');
    expect(after.some((f) => before.includes(f))).toBe(false);
    expect(await n1.sim.checksum(KS, 'logs')).toBe(sum);
    const snaps = tableDirs(n1, 'logs').flatMap((d) => (existsSync(join(d, 'snapshots')) ? readdirSync(join(d, 'snapshots')) : []));
    expect(snaps.some((s) => s.startsWith('pre-scrub-'))).toBe(true);
  });

  it('rebuild streams the rows this node replicates from a live peer', async () => {
    await n1.sim.createKeyspace('rb', { class: 'SimpleStrategy', replication_factor: '2' });
    await n1.sim.createTable('rb', 't');
    await cluster.waitForSchemaAgreement();
    await n1.sim.writeRows('rb', 't', 120, 5);
    await n1.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string('rb'), jmxArgs.stringArray([])]);
    expect(await n2.sim.rowCount('rb', 't')).toBe(0);
    await ss(n2, 'rebuild', [jmxArgs.string('dc1'), jmxArgs.string('rb'), jmxArgs.string(null), jmxArgs.string(null)]);
    expect(await n2.sim.checksum('rb', 't')).toBe(await n1.sim.checksum('rb', 't'));
    const bad = await failure(ss(n2, 'rebuild', [jmxArgs.string('dc9'), jmxArgs.string(null), jmxArgs.string(null), jmxArgs.string(null)]));
    expect(bad.message).toContain("Provided datacenter 'dc9' is not a valid datacenter");
  });

  it('archives closed commit log segments with archive_command semantics', async () => {
    await n1.sim.setArchiveCommand(`/bin/cp %path ${archiveDir}/%name`);
    expect(readFileSync(join(n1.configDir, 'commitlog_archiving.properties'), 'utf8')).toContain(
      `archive_command=/bin/cp %path ${archiveDir}/%name`,
    );
    // ~100 KiB of rows: the 64 KiB segment fills and closes on its own
    await n1.sim.writeRows(KS, 'items', 1000, 77);
    // the archive command is a process the JVM starts: bounded waits, with room for a loaded machine
    await waitFor('a full segment archived', () => readdirSync(archiveDir).length >= 1, 30_000);
    // a flush that leaves nothing unflushed closes the active segment too
    for (const t of ['items', 'logs', 'slow']) await flush(n1, t);
    await n1.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string('rb'), jmxArgs.stringArray([])]);
    await waitFor('both segments archived', () => readdirSync(archiveDir).length >= 2, 30_000);
    for (const f of readdirSync(archiveDir)) expect(f).toMatch(/^CommitLog-7-\d+\.log$/);
    // archived and flushed segments are deleted from the commit log directory
    await waitFor(
      'archived segments removed',
      async () => {
        const present = (await n1.sim.commitLogSegments()).map((p) => basename(p));
        return readdirSync(archiveDir).every((f) => !present.includes(f));
      },
      30_000,
    );
  });

  it('lists a running compaction with progress and stops it on stopCompaction', async () => {
    // 16 MiB at node 2's 2 MiB/s: ~8 s in which to see progress and stop it (6 MiB left ~3 s, which the
    // polling and the stop call could use up on a loaded machine, letting the compaction finish)
    await n2.sim.generateSSTables(KS, 'slow', 2, 8 * 1024 * 1024);
    const before = await n2.sim.liveSSTables(KS, 'slow');
    const running = n2.sim.compact(KS, 'slow').then(
      () => 'finished',
      (e: Error) => e.message,
    );
    const entry = await waitFor(
      'a compaction with progress',
      async () => {
        const list = (await n2.jmx.getAttribute(COMPACTION_MANAGER, 'Compactions')) as Array<Record<string, string>>;
        const c = list.find((x) => x.columnfamily === 'slow' && Number(x.completed) > 0);
        return c;
      },
      30_000,
    );
    expect(entry).toMatchObject({ keyspace: KS, taskType: 'Compaction', unit: 'bytes' });
    expect(Number(entry.total)).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(Number(entry.completed)).toBeLessThan(Number(entry.total));
    await n2.jmx.invoke(COMPACTION_MANAGER, 'stopCompaction', [jmxArgs.string('COMPACTION')]);
    expect(await running).toMatch(/Compaction interrupted/);
    expect(await n2.sim.liveSSTables(KS, 'slow')).toEqual(before);
    expect(await n2.jmx.getAttribute(COMPACTION_MANAGER, 'Compactions')).toEqual([]);
  });

  it('refuses truncate while a node is down, like Cassandra', async () => {
    await cluster.stopNode(n2, 'SIGKILL');
    await waitFor(
      'node 2 unreachable',
      async () => ((await n1.jmx.getAttribute(STORAGE_SERVICE, 'UnreachableNodesWithPort')) as string[]).length === 1,
      30_000,
    );
    const e = await failure(ss(n1, 'truncate', [jmxArgs.string(KS), jmxArgs.string('items')]));
    expect(e.message).toContain('Cannot achieve consistency level ALL');
    expect((await n1.sim.liveSSTables(KS, 'items')).length).toBeGreaterThan(0);
    await cluster.restartNode(n2);
    await waitFor(
      'node 2 back',
      async () => ((await n1.jmx.getAttribute(STORAGE_SERVICE, 'LiveNodesWithPort')) as string[]).length === 2,
      30_000,
    );
  });

  it('drain moves to DRAINED and refuses further writes', async () => {
    await n2.sim.writeRows(KS, 'items', 10, 3);
    await ss(n2, 'drain', []);
    expect(await n2.jmx.getAttribute(STORAGE_SERVICE, 'OperationMode')).toBe('DRAINED');
    expect(await n2.jmx.getAttribute(STORAGE_SERVICE, 'Drained')).toBe(true);
    expect(await n2.sim.memtableRows(KS, 'items')).toBe(0);
    const refused = await failure(n2.sim.writeRows(KS, 'items', 1, 4));
    expect(refused.message).toMatch(/DRAINED/);
    await ss(n2, 'drain', []); // a second drain is a no-op, as in Cassandra
    await waitFor(
      'peers see the drained node down',
      async () => ((await n1.jmx.getAttribute(STORAGE_SERVICE, 'UnreachableNodesWithPort')) as string[]).includes('127.0.0.2:7000'),
      30_000,
    );
  });

  it('decommission refuses to drop below RF without force, then leaves the ring', async () => {
    const refused = await failure(ss(n1, 'decommission', [jmxArgs.bool(false)]));
    expect(refused.message).toMatch(/Not enough live nodes to maintain replication factor in keyspace \w+ \(RF = \d, N = 2\)/);
    await ss(n1, 'decommission', [jmxArgs.bool(true)]);
    expect(await n1.jmx.getAttribute(STORAGE_SERVICE, 'OperationMode')).toBe('DECOMMISSIONED');
    const again = await failure(ss(n1, 'decommission', [jmxArgs.bool(true)]));
    expect(again.message).toContain('local node is not a member of the token ring yet');
    await expect(n1.sim.writeRows(KS, 'items', 1, 5)).rejects.toThrow(/DECOMMISSIONED/);
    const ring = (await n2.jmx.getAttribute(STORAGE_SERVICE, 'EndpointWithPortToHostId')) as Record<string, string>;
    expect(Object.keys(ring)).toEqual(['127.0.0.2:7000']);
  });
});
