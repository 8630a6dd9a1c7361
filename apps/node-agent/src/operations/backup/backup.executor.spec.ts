import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import { BackupContext, BackupRequest } from '@daedalus/contracts';
import { MemoryBackend } from '@daedalus/storage';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { InFlightUploads } from '../../repository/in-flight-uploads';
import { ManifestCache } from '../../repository/manifest-store';
import { honoursCancel, OperationRejectedError, PAUSE_REASON } from '../executor';
import { FakeCassandraNode } from '../testing/fake-cassandra-node';
import { FakeSnapshots, HOST, identityOf, nodeRegistration, phaseContext, TABLE_ID, writeSSTable } from '../testing/node-fixtures';
import { BackupExecutor } from './backup.executor';
import { NodeManifest } from '../../repository/manifest';

const MANIFEST = `test/dc1/${HOST}/manifests/nightly-42.json`;
const me = { hostId: HOST, address: '127.0.0.1', dc: 'dc1' };
const coordination: BackupContext = { backupName: 'nightly-42', snapshotTag: 'nightly', clusterName: 'test', participants: [me] };

/** The node-local request the coordinator's backup plan sends (its own <bucket>/<cluster>/<dc>/<hostId>). */
const request = plainToInstance(BackupRequest, {
  type: 'backup',
  storageLocation: `s3://bucket/test/dc1/${HOST}`,
  snapshotTag: 'nightly',
  globalRequest: false,
  hostId: HOST,
});

describe('BackupExecutor', () => {
  let dir: string;
  let snapshots: FakeSnapshots;
  let backend: MemoryBackend;
  let executor: BackupExecutor;
  let clock: ManualClock;
  const run = (phase: string, context: BackupContext = coordination) =>
    executor.execute(request, phaseContext(phase, { coordinatorContext: context }).context);

  beforeEach(async () => {
    dir = await fs.makeTemporaryDirectory('backup-spec');
    clock = new ManualClock('2026-03-01T12:00:00Z');
    const data = join(dir, 'data');
    await writeSSTable(join(data, 'ks1', `t1-${TABLE_ID}`), 1, 'first');
    await writeSSTable(join(data, 'ks1', `t1-${TABLE_ID}`), 2, 'second');
    const node = new FakeCassandraNode();
    node.schemaView = { system: ['local'], ks1: ['t1'] };
    snapshots = new FakeSnapshots([data]);
    backend = new MemoryBackend();
    const identity = identityOf(nodeRegistration(data));
    executor = new BackupExecutor(node, snapshots, identity, new ManifestCache(), new InFlightUploads(), clock, async () => backend);
  });

  afterEach(() => fs.remove(dir));

  it('UPLOAD snapshots the node, uploads every file, writes the manifest last and clears the snapshot', async () => {
    const { context, reports } = phaseContext('UPLOAD', { coordinatorContext: coordination });
    const result = await executor.execute(request, context);
    expect(result).toEqual({
      backupName: 'nightly-42',
      manifest: MANIFEST,
      totals: {
        files: 6,
        bytes: expect.any(Number),
        uploadedFiles: 6,
        uploadedBytes: expect.any(Number),
        uploadedStoredBytes: expect.any(Number),
      },
    });
    expect(backend.objects.has(MANIFEST)).toBe(true);
    expect(snapshots.taken).toEqual(['nightly-42']);
    expect(snapshots.cleared).toEqual(['nightly-42']);
    expect(await fs.stat(join(dir, 'data', 'ks1', `t1-${TABLE_ID}`, 'snapshots', 'nightly-42'))).toBeUndefined();
    expect(reports.length).toBeGreaterThan(0);
  });

  it('UPLOAD with compression "zstd" stores what pays under <key>.zst and records the request and each file’s form in the manifest', async () => {
    // an SSTable of an uncompressed table (no CompressionInfo.db): its Data.db of rows pays
    const rows = Array.from({ length: 4000 }, (_, i) => `row-${i}|customer|${1_700_000_000 + i}`).join('\n');
    await writeSSTable(join(dir, 'data', 'ks1', `t1-${TABLE_ID}`), 3, rows);
    const zstd = plainToInstance(BackupRequest, { ...request, compression: 'zstd', compressionLevel: 5 });
    const result = await executor.execute(zstd, phaseContext('UPLOAD', { coordinatorContext: coordination }).context);
    const manifest = JSON.parse(backend.objects.get(MANIFEST)?.data.toString() ?? '{}') as NodeManifest;
    expect(manifest.compression).toEqual({ format: 'zstd', level: 5 });
    const files = manifest.tables.flatMap((t) => t.files);
    const big = files.find((f) => f.name === 'nb-3-big-Data.db');
    expect(big).toMatchObject({ size: rows.length, compressed: { format: 'zstd' } });
    expect(big?.key.endsWith('/nb-3-big-Data.db.zst')).toBe(true);
    expect(backend.objects.get(big?.key ?? '')?.data.length).toBe(big?.compressed?.size);
    // the small files (TOC, digest, the tiny Data.db files) are stored as they are
    expect(files.filter((f) => f.compressed).map((f) => f.name)).toEqual(['nb-3-big-Data.db']);
    const totals = (result as { totals: { uploadedBytes: number; uploadedStoredBytes: number } }).totals;
    expect(totals.uploadedStoredBytes).toBe(totals.uploadedBytes - rows.length + (big?.compressed?.size ?? 0));
  });

  it('reports a redelivered UPLOAD whose manifest is in without taking the snapshot again', async () => {
    const first = await run('UPLOAD');
    const again = await run('UPLOAD');
    expect(again).toEqual(first);
    expect(snapshots.taken).toEqual(['nightly-42']);
  });

  it('COMMIT checks every participant’s manifest, then writes the topology and the cluster record', async () => {
    await run('UPLOAD');
    const record = await run('COMMIT');
    expect(record).toMatchObject({
      kind: 'daedalus.cluster-backup',
      backupName: 'nightly-42',
      snapshotTag: 'nightly',
      cluster: 'test',
      nodes: [{ hostId: HOST, dc: 'dc1', manifest: MANIFEST }],
      totals: { files: 6, uploadedFiles: 6 },
    });
    expect(backend.objects.has('test/backups/nightly-42.json')).toBe(true);
    expect(backend.objects.has('test/topology/nightly-42.json')).toBe(true);
  });

  it('takes its times from the clock: the manifest’s start and end, the topology’s timestamp', async () => {
    const read = (key: string): unknown => JSON.parse(backend.objects.get(key)?.data.toString() ?? 'null');
    await run('UPLOAD');
    expect(read(MANIFEST)).toMatchObject({ startTime: '2026-03-01T12:00:00.000Z', endTime: '2026-03-01T12:00:00.000Z' });
    clock.advance(60_000);
    await run('COMMIT');
    expect(read('test/topology/nightly-42.json')).toMatchObject({ timestamp: Date.parse('2026-03-01T12:01:00Z') });
  });

  it('COMMIT refuses while a participant has no manifest, naming it, and writes nothing', async () => {
    await run('UPLOAD');
    const other = { hostId: '00000000-0000-4000-8000-000000000002', address: '127.0.0.2', dc: 'dc1' };
    await expect(run('COMMIT', { ...coordination, participants: [me, other] })).rejects.toThrow(
      new OperationRejectedError(`node ${other.hostId} (127.0.0.2) has no manifest test/dc1/${other.hostId}/manifests/nightly-42.json`),
    );
    expect(backend.objects.has('test/backups/nightly-42.json')).toBe(false);
  });

  it('stops for a cancel in either phase (the protocol), and refuses a phase the protocol does not have', async () => {
    expect(honoursCancel(executor, 'UPLOAD')).toBe(true);
    expect(honoursCancel(executor, 'COMMIT')).toBe(true);
    await expect(run('VERIFY')).rejects.toThrow(new OperationRejectedError('unknown backup phase VERIFY'));
  });

  it('a cancelled UPLOAD writes no manifest and still clears its snapshot', async () => {
    const { context, cancel } = phaseContext('UPLOAD', { coordinatorContext: coordination });
    cancel();
    await expect(executor.execute(request, context)).rejects.toThrow();
    expect(backend.objects.has(MANIFEST)).toBe(false);
    expect(snapshots.cleared).toEqual(['nightly-42']);
  });

  describe('a consistent backup (SNAPSHOT, then UPLOAD of that snapshot)', () => {
    const upload = (phaseResults: Record<string, Record<string, unknown>>) =>
      executor.execute(request, phaseContext('UPLOAD', { coordinatorContext: coordination, phaseResults }).context);

    it('SNAPSHOT only takes the snapshot (kept for UPLOAD) and says when; UPLOAD uploads it without taking another', async () => {
      const snapshot = await run('SNAPSHOT');
      expect(snapshot).toEqual({
        backupName: 'nightly-42',
        startedAt: '2026-03-01T12:00:00.000Z',
        takenAt: '2026-03-01T12:00:00.000Z',
        fresh: true,
      });
      expect(snapshots.taken).toEqual(['nightly-42']);
      expect(snapshots.cleared).toEqual([]);
      expect(backend.objects.size).toBe(0);
      clock.advance(5_000);
      const result = await upload({ SNAPSHOT: { [HOST]: snapshot } });
      expect(result).toMatchObject({ backupName: 'nightly-42', manifest: MANIFEST, totals: { files: 6, uploadedFiles: 6 } });
      expect(snapshots.taken).toEqual(['nightly-42']);
      expect(snapshots.cleared).toEqual(['nightly-42']);
      // the manifest's start is the snapshot's, not the upload's
      expect(JSON.parse(backend.objects.get(MANIFEST)?.data.toString() ?? '{}')).toMatchObject({ startTime: '2026-03-01T12:00:00.000Z' });
      expect(honoursCancel(executor, 'SNAPSHOT')).toBe(true);
    });

    it('UPLOAD paused at a window end keeps the consistent snapshot, and the next round uploads it', async () => {
      const snapshot = await run('SNAPSHOT');
      const paused = new AbortController();
      paused.abort(PAUSE_REASON);
      const { context } = phaseContext('UPLOAD', { coordinatorContext: coordination, phaseResults: { SNAPSHOT: { [HOST]: snapshot } } });
      await expect(executor.execute(request, { ...context, signal: paused.signal })).rejects.toThrow(
        "paused at the maintenance window's end",
      );
      expect(backend.objects.has(MANIFEST)).toBe(false);
      expect(snapshots.cleared).toEqual([]);
      const result = await upload({ SNAPSHOT: { [HOST]: snapshot } });
      expect(result).toMatchObject({ backupName: 'nightly-42', manifest: MANIFEST });
      expect(snapshots.taken).toEqual(['nightly-42']);
      expect(snapshots.cleared).toEqual(['nightly-42']);
    });

    it('UPLOAD fails rather than take a new snapshot when the consistent one is gone', async () => {
      const snapshot = await run('SNAPSHOT');
      await fs.remove(join(dir, 'data', 'ks1', `t1-${TABLE_ID}`, 'snapshots', 'nightly-42'));
      await expect(upload({ SNAPSHOT: { [HOST]: snapshot } })).rejects.toThrow(
        new OperationRejectedError('snapshot nightly-42 taken in phase SNAPSHOT is no longer on this node (cleared?)'),
      );
      expect(snapshots.taken).toEqual(['nightly-42']);
      expect(backend.objects.has(MANIFEST)).toBe(false);
    });
  });
});
