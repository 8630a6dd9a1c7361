/**
 * The Esop-style local mode (`daedalus esop …`, built entry dist/apps/cli/src/esop/esop-main.js) run as a child
 * process against one simulated node and a file store: backup over JMX, list, then the disaster case — the node
 * stopped, its keyspace's data gone, restored IN_PLACE with no JMX at all — and the node comes back with exactly
 * the backed-up content (the simulator's checksum of its live SSTables).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { makeTempDir, ProcessGroup, removeDir, waitFor } from '../support/processes';
import { jmxArgs } from '@daedalus/jmx';
import { SimulatedCluster, SimulatedNode, startSimulatedCluster, STORAGE_SERVICE } from '../support/simulator';
import { filesUnder } from './backup-support';

const ENTRY = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'src', 'esop', 'esop-main.js');
const CLUSTER = 'esop-cluster';
const TABLES = ['orders', 'customers'];

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to its end (bounded), never through a shell. */
function esop(args: string[], timeoutMs = 180_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`daedalus-esop ${args[0]} did not end within ${timeoutMs} ms:\n${stderr.slice(-4000)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The exit status, with what the CLI printed when it is not the expected one. */
function expectExit(run: CliRun, code: number): void {
  if (run.code !== code) throw new Error(`exit ${run.code}, expected ${code}:\n${run.stderr.slice(-4000)}\n${run.stdout.slice(-2000)}`);
}

/** The one JSON document `--output json` prints on stdout. */
function result<T>(run: CliRun): T {
  const line = run.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as T;
}

describe('daedalus esop (local mode)', () => {
  let baseDir: string;
  let group: ProcessGroup;
  let cluster: SimulatedCluster;
  let node: SimulatedNode;
  let location: string;
  let backupName: string;
  const atBackup: Record<string, string> = {};
  const checksum = async (table: string) => String(await node.sim.checksum('shop', table));
  let keyFile: string;
  /** where the node is, and the client-side key every backup here is sealed with */
  const nodeArgs = (withKey = true) => [
    '--data-dir',
    node.dataDirs[0],
    '--config-directory',
    node.configDir,
    '--cassandra-dir',
    node.home,
    ...(withKey ? ['--encryption-key-file', keyFile] : []),
  ];

  beforeAll(async () => {
    expect(existsSync(ENTRY)).toBe(true); // `npm run build` first
    baseDir = makeTempDir('esop-cli');
    mkdirSync(join(baseDir, 'logs'));
    group = new ProcessGroup(join(baseDir, 'logs'));
    cluster = await startSimulatedCluster({ version: '4.1', group, baseDir, count: 1, clusterName: CLUSTER });
    [node] = cluster.nodes;
    await node.sim.createKeyspace('shop');
    for (const table of TABLES) {
      await node.sim.createTable('shop', table);
      await node.sim.writeRows('shop', table, 200, 7);
    }
    location = `file://${join(baseDir, 'store')}/bucket`;
    keyFile = join(baseDir, 'backup.key');
    writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  }, 180_000);

  afterAll(async () => {
    await cluster?.close();
    await group?.stopAll();
    if (baseDir) removeDir(baseDir);
  }, 60_000);

  it('has --help on every command', async () => {
    for (const command of [[], ['backup'], ['restore'], ['list'], ['commitlog-backup'], ['commitlog-restore']]) {
      const run = await esop([...command, '--help']);
      expectExit(run, 0);
      expect(run.stdout).toContain('Usage: daedalus-esop');
      if (command.length > 0) expect(run.stdout).toContain('--storage-location');
    }
    // without JMX and with a location naming only the bucket, the commit-log commands need to be told the node
    for (const command of ['commitlog-backup', 'commitlog-restore']) {
      const timestamp = command === 'commitlog-restore' ? ['--timestamp-end', '1000'] : [];
      const run = await esop([command, '--storage-location', location, ...timestamp, ...nodeArgs(false)]);
      expectExit(run, 2);
      expect(run.stderr).toContain('without --jmx-service name the node');
    }
  }, 120_000);

  it('names the flag of a bad value and exits 2', async () => {
    const run = await esop([
      'backup',
      '--storage-location',
      location,
      '--snapshot-tag',
      'bad tag!',
      '--jmx-service',
      `127.0.0.1:${node.jmxPort}`,
    ]);
    expectExit(run, 2);
    expect(run.stderr).toContain('--snapshot-tag');
    expect(run.stderr).not.toContain('snapshotTag');
  }, 60_000);

  it('backs up the node with Esop flags, and list shows it', async () => {
    const run = await esop([
      'backup',
      '--sl',
      location,
      '--st',
      'nightly',
      '--entities',
      'shop',
      '--jmx-service',
      `127.0.0.1:${node.jmxPort}`,
      '--create-missing-bucket',
      '--output',
      'json',
      ...nodeArgs(),
    ]);
    expect(run.stderr).not.toContain('failed');
    expectExit(run, 0);
    const backup = result<{ ok: boolean; result: { backupName: string; hostId: string; totals: { files: number } } }>(run);
    expect(backup.ok).toBe(true);
    expect(backup.result.hostId).toBe(node.hostId);
    expect(backup.result.totals.files).toBeGreaterThan(0);
    backupName = backup.result.backupName;
    // sealed client-side with the key, as an agent with the same key would
    const manifest = JSON.parse(
      readFileSync(join(baseDir, 'store', 'bucket', CLUSTER, node.dc, node.hostId, 'manifests', `${backupName}.json`), 'utf8'),
    ) as { encryption?: { keyId: string } };
    expect(manifest.encryption?.keyId).toBeDefined();
    // progress went to stderr as JSON lines, one phase
    expect(run.stderr).toContain('"event":"phase","phase":"UPLOAD"');
    // the snapshot flushed the memtables: this is the content the backup holds
    for (const table of TABLES) atBackup[table] = await checksum(table);

    const list = await esop(['list', '--storage-location', location, '--output', 'json']);
    expectExit(list, 0);
    const listed = result<{
      result: { backups: Array<{ name: string; snapshotTag: string; complete: boolean; nodes: Array<{ hostId: string }> }> };
    }>(list);
    const entry = listed.result.backups.find((b) => b.name === backupName);
    expect(entry).toMatchObject({ snapshotTag: 'nightly', complete: true });
    expect(entry?.nodes.map((n) => n.hostId)).toEqual([node.hostId]);
    const text = await esop(['list', '--storage-location', location]);
    expectExit(text, 0);
    expect(text.stdout).toContain(backupName);
  }, 240_000);

  it('refuses IN_PLACE while Cassandra answers over JMX, changing nothing', async () => {
    const before = await checksum('orders');
    const run = await esop([
      'restore',
      '--storage-location',
      location,
      '--snapshot-tag',
      backupName,
      '--restoration-strategy-type',
      'IN_PLACE',
      '--host-id',
      node.hostId,
      '--jmx-service',
      `127.0.0.1:${node.jmxPort}`,
      ...nodeArgs(),
    ]);
    expectExit(run, 1);
    expect(run.stderr).toContain('needs Cassandra stopped');
    expect(await checksum('orders')).toBe(before);
  }, 120_000);

  it('restores IN_PLACE a stopped node whose keyspace data is gone, with no JMX, and the node comes back with the backup', async () => {
    // more writes after the backup: the restore must bring back the backup, not this
    await node.sim.writeRows('shop', 'orders', 150, 99);
    await cluster.stopNode(node, 'SIGTERM');
    const keyspaceDir = join(node.dataDirs[0], 'shop');
    expect((await filesUnder(keyspaceDir)).length).toBeGreaterThan(0);
    rmSync(keyspaceDir, { recursive: true, force: true });

    // Esop's node path names the node: no JMX, no --host-id
    const args = [
      'restore',
      '--storage-location',
      `${location}/${CLUSTER}/${node.dc}/${node.hostId}`,
      '--snapshot-tag',
      'nightly',
      '--restoration-strategy-type',
      'IN_PLACE',
      '--update-cassandra-yaml',
      '--output',
      'json',
    ];
    // without the key the sealed backup cannot be read: refused before anything is written
    const keyless = await esop([...args, ...nodeArgs(false)]);
    expectExit(keyless, 1);
    expect(keyless.stderr).toMatch(/key/);
    expect(existsSync(keyspaceDir)).toBe(false);

    const run = await esop([...args, ...nodeArgs()]);
    expect(run.stderr).not.toContain('"ok":false');
    expectExit(run, 0);
    const restored = result<{ ok: boolean; result: { hostId: string; phases: { IN_PLACE: { backupName: string; files: number } } } }>(run);
    expect(restored.ok).toBe(true);
    expect(restored.result.phases.IN_PLACE.backupName).toBe(backupName);
    expect(restored.result.phases.IN_PLACE.files).toBeGreaterThan(0);
    const yaml = parseYaml(readFileSync(join(node.configDir, 'cassandra.yaml'), 'utf8')) as Record<string, unknown>;
    expect(yaml).toMatchObject({ auto_bootstrap: false, cluster_name: CLUSTER });

    await cluster.restartNode(node);
    for (const table of TABLES) expect(await checksum(table)).toBe(atBackup[table]);
  }, 300_000);

  it('never guesses between two directories of a table: refused, then restored with --table-id', async () => {
    const keyspaceDir = join(node.dataDirs[0], 'shop');
    const liveDir = readdirSync(keyspaceDir).find((name) => name.startsWith('orders-'));
    if (!liveDir) throw new Error('no orders directory');
    const liveId = liveDir.slice('orders-'.length);
    await node.sim.writeRows('shop', 'orders', 120, 123);
    await cluster.stopNode(node, 'SIGTERM');
    for (const file of await filesUnder(join(keyspaceDir, liveDir))) if (!file.includes('/snapshots/')) rmSync(file);
    // another directory of the table (as a re-created table leaves), not the backup's id
    const decoy = join(keyspaceDir, `orders-${'f'.repeat(32)}`);
    mkdirSync(decoy);
    writeFileSync(join(decoy, 'nb-9-big-Data.db'), 'not the live table');

    const restore = (extra: string[]) =>
      esop([
        'restore',
        '--storage-location',
        location,
        '--snapshot-tag',
        backupName,
        '--restoration-strategy-type',
        'IN_PLACE',
        // Esop's lookup against the backup's topology, by this node's address
        '--resolve-host-id-from-topology',
        '--address',
        node.address,
        ...nodeArgs(),
        ...extra,
      ]);
    const refused = await restore([]);
    expectExit(refused, 1);
    expect(refused.stderr).toContain('--table-id');
    expect(readFileSync(join(decoy, 'nb-9-big-Data.db'), 'utf8')).toBe('not the live table');

    expectExit(await restore(['--table-id', `shop.orders=${liveId}`]), 0);
    expect(readdirSync(decoy)).toEqual(['nb-9-big-Data.db']);
    rmSync(decoy, { recursive: true });
    await cluster.restartNode(node);
    for (const table of TABLES) expect(await checksum(table)).toBe(atBackup[table]);
  }, 300_000);

  it('restores IMPORT on the running node through INIT → DOWNLOAD → TRUNCATE → IMPORT → CLEANUP, truncating once', async () => {
    await node.sim.writeRows('shop', 'customers', 90, 321);
    await node.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string('shop'), jmxArgs.stringArray([])]);
    expect(await checksum('customers')).not.toBe(atBackup.customers);
    const truncationsBefore = await node.sim.truncationCount('shop', 'customers');
    const run = await esop([
      'restore',
      '--storage-location',
      location,
      '--snapshot-tag',
      backupName,
      '--restoration-strategy-type',
      'IMPORT',
      '--entities',
      'shop.customers',
      '--jmx-service',
      `127.0.0.1:${node.jmxPort}`,
      '--output',
      'json',
      ...nodeArgs(),
    ]);
    expectExit(run, 0);
    const restored = result<{ result: { phases: Record<string, unknown> } }>(run);
    expect(Object.keys(restored.result.phases)).toEqual(['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP']);
    expect(await checksum('customers')).toBe(atBackup.customers);
    expect(await node.sim.truncationCount('shop', 'customers')).toBe(truncationsBefore + 1);
    // the staged download is gone (CLEANUP)
    expect(await filesUnder(join(node.home, 'data', 'daedalus-restore'))).toEqual([]);
  }, 300_000);

  it('backs up the commit logs and restores a stopped node to a second: at restart it replays exactly the writes before it', async () => {
    const archive = join(dirname(node.dataDirs[0]), 'commitlog_archive');
    mkdirSync(archive, { recursive: true });
    await node.sim.setArchiveCommand(`/bin/cp %path ${archive}/%name`);
    await node.sim.createTable('shop', 'events');
    const flush = () => node.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string('shop'), jmxArgs.stringArray([])]);
    await node.sim.writeRows('shop', 'events', 40, 500);
    await flush();
    const atPoint = String(await node.sim.checksum('shop', 'events'));
    const point = Math.ceil((Date.now() + 1) / 1000) * 1000;
    while (Date.now() <= point + 50) await new Promise((r) => setTimeout(r, 25));
    await node.sim.writeRows('shop', 'events', 25, 600);
    await flush();
    await waitFor('segments archived', async () => (await node.sim.commitLogSegments()).length === 0);

    // Esop's node path says who the node is: no JMX needed to upload what archive_command put aside
    const nodePath = `${location}/${CLUSTER}/${node.dc}/${node.hostId}`;
    const backup = () => esop(['commitlog-backup', '--storage-location', nodePath, '--output', 'json', ...nodeArgs(false)]);
    const first = await backup();
    expectExit(first, 0);
    const uploaded = result<{ result: { segments: number; uploadedSegments: number } }>(first).result;
    expect(uploaded.segments).toBeGreaterThan(0);
    expect(uploaded.uploadedSegments).toBe(uploaded.segments);
    const again = await backup();
    expectExit(again, 0);
    expect(result<{ result: { uploadedSegments: number; alreadyStored: number } }>(again).result).toMatchObject({
      uploadedSegments: 0,
      alreadyStored: uploaded.segments,
    });

    const properties = join(node.configDir, 'commitlog_archiving.properties');
    const restore = (extra: string[]) =>
      esop([
        'commitlog-restore',
        '--storage-location',
        nodePath,
        '--timestamp-end',
        String(point),
        '--output',
        'json',
        ...nodeArgs(false),
        ...extra,
      ]);
    const before = readFileSync(properties, 'utf8');
    // the node answers over JMX: refused before anything is written
    const refused = await esop([
      'commitlog-restore',
      '--storage-location',
      location,
      '--timestamp-end',
      String(point),
      '--jmx-service',
      `127.0.0.1:${node.jmxPort}`,
      ...nodeArgs(false),
    ]);
    expectExit(refused, 1);
    expect(refused.stderr).toContain('needs Cassandra stopped');
    expect(readFileSync(properties, 'utf8')).toBe(before);

    await cluster.stopNode(node, 'SIGTERM');
    const eventsDir = readdirSync(join(node.dataDirs[0], 'shop')).find((d) => d.startsWith('events-'));
    if (!eventsDir) throw new Error('no events directory');
    for (const file of await filesUnder(join(node.dataDirs[0], 'shop', eventsDir))) if (!file.includes('/snapshots/')) rmSync(file);
    const run = await restore([]);
    expectExit(run, 0);
    const prepared = result<{ result: { restoreDirectory: string; segments: unknown[]; nextSteps: string } }>(run).result;
    expect(prepared.segments.length).toBeGreaterThan(0);
    expect(prepared.nextSteps).toContain('Start Cassandra');
    expect(readFileSync(properties, 'utf8')).toContain(`restore_directories=${prepared.restoreDirectory}\n`);

    await cluster.restartNode(node);
    expect(await node.sim.rowCount('shop', 'events')).toBe(40);
    expect(String(await node.sim.checksum('shop', 'events'))).toBe(atPoint);
  }, 300_000);
});
