/**
 * Commit-log backup and point-in-time replay on a simulated 2-node cluster with archiving on: rows written in
 * three batches at known times; a global commitlog-backup uploads every archived segment once (a second run
 * uploads nothing); a stopped, wiped node restored up to a second between batches 2 and 3 replays exactly
 * batches 1 and 2 at its next start. A segment missing from the store and a running node are refused, with
 * nothing changed.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { runOperation } from './backup-support';
import { archiveDirOf, enableArchiving, nextWholeSecond, waitUntilArchived, writeBatch } from './commitlog-support';

const CLUSTER = 'daedalus-test';
const KS = 'pitr';
const TABLE = 'events';

interface BackupResult {
  segments: number;
  uploadedSegments: number;
  alreadyStored: number;
  uploadedBytes: number;
}

interface RestoreResult {
  restoreDirectory: string;
  propertiesFile: string;
  previousPropertiesKeptAs?: string;
  restorePointInTime: string;
  segments: Array<{ name: string }>;
  nextSteps: string;
}

describe('commit-log backup and point-in-time restore', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  let point: number;
  const afterTwoBatches: string[] = [];

  const sim = (i: number) => system.simOf(system.nodes[i]);
  const archiveDir = (i: number) => archiveDirOf(system, i);
  const nodePrefix = (i: number) => join(storeRoot, 'bucket', CLUSTER, 'dc1', system.nodes[i].hostId, 'commitlog');
  const storedSegments = (i: number) => readdirSync(join(nodePrefix(i), 'segments')).sort();
  const indexEntries = (i: number) => readdirSync(join(nodePrefix(i), 'index')).sort();
  const propertiesFile = (i: number) => join(system.nodes[i].home, 'conf', 'commitlog_archiving.properties');

  const restoreOn = (i: number, body: Record<string, unknown> = {}) =>
    runOperation(system, {
      type: 'commitlog-restore',
      storageLocation: `${location}/${CLUSTER}/dc1/${system.nodes[i].hostId}`,
      hostId: system.nodes[i].hostId,
      timestampStart: 0,
      timestampEnd: point,
      ...body,
    });

  beforeAll(async () => {
    storeRoot = makeTempDir('commitlog-store');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({ nodes: 2, coordinators: 1, nodeTimeoutMs: 10_000 });
    await enableArchiving(system);
    await system.createTables(KS, [TABLE]);
    await writeBatch(system, KS, TABLE, 100, 30);
    await writeBatch(system, KS, TABLE, 200, 20);
    for (const [i] of system.nodes.entries()) afterTwoBatches.push(await sim(i).checksum(KS, TABLE));
    point = await nextWholeSecond();
    await writeBatch(system, KS, TABLE, 300, 10);
    await waitUntilArchived(system);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  it('uploads every archived segment of every node once: a second run uploads nothing', async () => {
    const first = await runOperation(system, {
      type: 'commitlog-backup',
      storageLocation: location,
      globalRequest: true,
      createMissingBucket: true,
    });
    expect(first.errors).toEqual([]);
    expect(first.state).toBe('COMPLETED');
    const results = first.response as Record<string, BackupResult>;
    for (const [i, node] of system.nodes.entries()) {
      const archived = readdirSync(archiveDir(i)).sort();
      expect(archived.length).toBeGreaterThanOrEqual(3);
      expect(results[node.hostId]).toMatchObject({ segments: archived.length, uploadedSegments: archived.length, alreadyStored: 0 });
      expect(storedSegments(i)).toEqual(archived);
      expect(indexEntries(i)).toHaveLength(archived.length);
      for (const name of archived)
        expect(readFileSync(join(nodePrefix(i), 'segments', name))).toEqual(readFileSync(join(archiveDir(i), name)));
    }
    const index = indexEntries(0).map((f) => readFileSync(join(nodePrefix(0), 'index', f), 'utf8'));

    const second = await runOperation(system, { type: 'commitlog-backup', storageLocation: location, globalRequest: true });
    expect(second.state).toBe('COMPLETED');
    for (const [i, node] of system.nodes.entries()) {
      const archived = readdirSync(archiveDir(i)).length;
      expect((second.response as Record<string, BackupResult>)[node.hostId]).toMatchObject({
        segments: archived,
        uploadedSegments: 0,
        uploadedBytes: 0,
        alreadyStored: archived,
      });
      expect(indexEntries(i)).toHaveLength(archived);
    }
    expect(indexEntries(0).map((f) => readFileSync(join(nodePrefix(0), 'index', f), 'utf8'))).toEqual(index);
  });

  it('answers 400 naming the field for a directory outside the roots or a point that is not a whole second', async () => {
    const outside = await system.post('/operations', {
      type: 'commitlog-backup',
      storageLocation: location,
      globalRequest: true,
      commitLogArchiveOverride: '/etc',
    });
    expect(outside.status).toBe(400);
    expect(JSON.stringify(outside.body)).toContain('commitLogArchiveOverride: /etc is outside');
    const download = await system.post('/operations', {
      type: 'commitlog-restore',
      storageLocation: `${location}/${CLUSTER}/dc1/${system.nodes[0].hostId}`,
      hostId: system.nodes[0].hostId,
      timestampEnd: point,
      commitlogDownloadDir: '/tmp/../etc',
    });
    expect(download.status).toBe(400);
    expect(JSON.stringify(download.body)).toContain('commitlogDownloadDir');
    const fraction = await system.post('/operations', {
      type: 'commitlog-restore',
      storageLocation: `${location}/${CLUSTER}/dc1/${system.nodes[0].hostId}`,
      hostId: system.nodes[0].hostId,
      timestampEnd: point + 1,
    });
    expect(fraction.status).toBe(400);
    expect(JSON.stringify(fraction.body)).toContain('timestampEnd must be a whole second');
  });

  it('refuses a node whose Cassandra is running', async () => {
    const before = readFileSync(propertiesFile(0), 'utf8');
    const done = await restoreOn(0);
    expect(done.state).toBe('FAILED');
    expect(JSON.stringify(done.errors)).toContain('needs Cassandra stopped');
    expect(readFileSync(propertiesFile(0), 'utf8')).toBe(before);
  });

  it('refuses a range with a segment missing from the store, changing nothing', async () => {
    const node = system.nodes[1];
    await system.stopSimulator(node, 'SIGTERM');
    const before = readFileSync(propertiesFile(1), 'utf8');
    const victim = storedSegments(1)[1];
    const entry = indexEntries(1)[1];
    const saved = join(storeRoot, victim);
    const savedEntry = join(storeRoot, entry);
    copyFileSync(join(nodePrefix(1), 'segments', victim), saved);
    copyFileSync(join(nodePrefix(1), 'index', entry), savedEntry);
    rmSync(join(nodePrefix(1), 'segments', victim));
    try {
      // the object gone, its index entry left
      const done = await restoreOn(1);
      expect(done.state).toBe('FAILED');
      expect(JSON.stringify(done.errors)).toContain('have a gap: segment');
      expect(readFileSync(propertiesFile(1), 'utf8')).toBe(before);
      expect(existsSync(join(node.home, 'data', 'daedalus-restore', `commitlog-${done.id}`))).toBe(false);
      // both gone: the ids around it do not follow each other
      rmSync(join(nodePrefix(1), 'index', entry));
      const again = await restoreOn(1);
      expect(again.state).toBe('FAILED');
      expect(JSON.stringify(again.errors)).toMatch(/gap between segment \d+ .* 1 segment\(s\) are missing/);
      expect(readFileSync(propertiesFile(1), 'utf8')).toBe(before);
    } finally {
      copyFileSync(saved, join(nodePrefix(1), 'segments', victim));
      copyFileSync(savedEntry, join(nodePrefix(1), 'index', entry));
    }
  });

  it('restores a stopped, wiped node to a second between batches 2 and 3: it replays exactly batches 1 and 2', async () => {
    const node = system.nodes[1];
    const tableDirs = readdirSync(join(node.home, 'data', 'data', KS)).filter((d) => d.startsWith(`${TABLE}-`));
    for (const dir of tableDirs) {
      for (const f of readdirSync(join(node.home, 'data', 'data', KS, dir), { withFileTypes: true }))
        if (f.isFile()) rmSync(join(node.home, 'data', 'data', KS, dir, f.name));
    }
    const before = readFileSync(propertiesFile(1), 'utf8');
    const done: OperationView = await restoreOn(1);
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    const result = done.response as RestoreResult;
    expect(result.nextSteps).toContain('Start Cassandra');
    expect(result.previousPropertiesKeptAs).toBeDefined();
    expect(readFileSync(String(result.previousPropertiesKeptAs), 'utf8')).toBe(before);
    expect(readdirSync(result.restoreDirectory).sort()).toEqual(result.segments.map((s) => s.name).sort());
    const written = readFileSync(propertiesFile(1), 'utf8');
    expect(written).toContain(`restore_directories=${result.restoreDirectory}\n`);
    expect(written).toContain(`restore_point_in_time=${new Date(point).toISOString().replace(/-/g, ':').replace('T', ' ').slice(0, 19)}\n`);
    expect(written).toContain('archive_command=/bin/cp %path');

    await system.restartSimulator(node);
    expect(await sim(1).rowCount(KS, TABLE)).toBe(50);
    expect(await sim(1).checksum(KS, TABLE)).toBe(afterTwoBatches[1]);
    expect(await sim(1).readRow(KS, TABLE, 'key-301-00000000')).toBeNull();
    expect(await sim(1).readRow(KS, TABLE, 'key-201-00000019')).not.toBeNull();
  });
});
