import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CommitLogLayout, RestorePitrPlanResult } from '@daedalus/contracts';
import { MemoryBackend } from '@daedalus/storage';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { CassandraNode } from '../../cassandra/cassandra-node';
import { BackupSummary } from '../../repository/backup-catalog';
import { writeIndexEntry } from '../commitlog/segment-store';
import { HOST, nodeRegistration } from '../testing/node-fixtures';
import { recordingContext } from '../testing/recording-context';
import { latestBackupBefore, prepareReplay, usablePlan } from './point-in-time';

const backup = (name: string, start: string, end: string | undefined, fields: Partial<BackupSummary> = {}): BackupSummary => ({
  name,
  snapshotTag: name,
  cluster: 'c',
  time: start,
  ...(end ? { endTime: end } : {}),
  scope: 'cluster',
  nodesComplete: 2,
  nodesExpected: 2,
  totalBytes: 1,
  addedBytes: 1,
  complete: true,
  nodes: [
    { hostId: 'h1', dc: 'dc1' },
    { hostId: 'h2', dc: 'dc1' },
  ],
  ...fields,
});

describe('point-in-time restore: choosing the backup', () => {
  const point = Date.parse('2026-11-30T12:00:00Z');

  it('takes the latest complete backup of the node that finished at or before the point', () => {
    const backups = [
      backup('early', '2026-11-30T08:00:00Z', '2026-11-30T08:05:00Z'),
      backup('late', '2026-11-30T11:00:00Z', '2026-11-30T12:00:00Z'),
      backup('after', '2026-11-30T13:00:00Z', '2026-11-30T13:05:00Z'),
    ];
    expect(latestBackupBefore(backups, 'h1', point)?.name).toBe('late');
  });

  it('skips a backup still running at the point (its snapshot may hold later writes), incomplete ones and ones without the node', () => {
    const backups = [
      backup('early', '2026-11-30T08:00:00Z', '2026-11-30T08:05:00Z'),
      backup('straddles', '2026-11-30T11:59:00Z', '2026-11-30T12:01:00Z'),
      backup('unfinished', '2026-11-30T11:00:00Z', undefined),
      backup('incomplete', '2026-11-30T10:00:00Z', '2026-11-30T10:05:00Z', { complete: false }),
      backup('others', '2026-11-30T10:30:00Z', '2026-11-30T10:35:00Z', { nodes: [{ hostId: 'h2', dc: 'dc1' }] }),
    ];
    expect(latestBackupBefore(backups, 'h1', point)?.name).toBe('early');
    expect(latestBackupBefore(backups, 'h1', Date.parse('2026-11-30T07:00:00Z'))).toBeUndefined();
  });

  it('refuses to change anything without a plan free of problems', () => {
    expect(() => usablePlan(undefined, 'h1')).toThrow('no PITR_PLAN result');
    const problem = { kind: 'gap' as const, message: 'segments missing' };
    expect(() => usablePlan({ pointInTime: 'x', backup: null, segments: null, problem }, 'h1')).toThrow('segments missing');
  });
});

describe('point-in-time restore: COMMITLOG', () => {
  const BASE = 1_764_000_000_000;
  const MINUTE = 60_000;
  const path = { cluster: 'test', dc: 'dc1', hostId: HOST };
  let dir: string;
  let backend: MemoryBackend;
  const stopped = { operationMode: () => Promise.reject(new Error('connection refused')) } as unknown as CassandraNode;

  /** Segment BASE+i, last written i+1 minutes after BASE. */
  async function store(i: number): Promise<string> {
    const name = `CommitLog-7-${BASE + i}.log`;
    const content = `segment ${i}`;
    const key = CommitLogLayout.segment(path, name);
    await backend.put(key, () => Readable.from([Buffer.from(content)]));
    await writeIndexEntry(backend, path, {
      name,
      version: 7,
      id: BASE + i,
      key,
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      lastModified: new Date(BASE + (i + 1) * MINUTE).toISOString(),
      lastModifiedMs: BASE + (i + 1) * MINUTE,
      source: 'archive',
      uploadedAt: new Date(0).toISOString(),
    });
    return name;
  }

  const plan = (names: string[]): RestorePitrPlanResult => ({
    pointInTime: new Date(BASE + 150_000).toISOString(),
    backup: { name: 'nightly-1', startedAt: new Date(BASE).toISOString(), endedAt: new Date(BASE + 1000).toISOString(), scope: 'cluster' },
    segments: { count: names.length, firstId: BASE, lastId: BASE + names.length - 1, bytes: 0, names },
    problem: null,
  });

  const step = (planned: RestorePitrPlanResult) => ({
    backend,
    plan: planned,
    me: nodeRegistration(join(dir, 'data')),
    node: stopped,
    cluster: 'test',
    configDir: join(dir, 'conf'),
    downloadBase: join(dir, 'staging'),
    concurrency: 2,
    reserveBytes: 0,
  });

  beforeEach(async () => {
    dir = await fs.makeTemporaryDirectory('pitr-spec');
    await fs.makeDirectory(join(dir, 'conf'));
    backend = new MemoryBackend();
  });

  afterEach(() => fs.remove(dir));

  it('downloads the planned segments and points commitlog_archiving.properties at them, saying what remains', async () => {
    const names = [await store(0), await store(1), await store(2)];
    await store(3);
    const result = await prepareReplay(step(plan(names)), { ...recordingContext().context, operationId: 'op-9' });
    expect(result.segments).toBe(3);
    expect((await fs.list(result.restoreDirectory)).map((e) => e.name).sort()).toEqual(names);
    expect(await fs.readText(result.propertiesFile)).toContain(`restore_directories=${result.restoreDirectory}\n`);
    expect(result.state).toContain('backup nightly-1 in place');
    expect(result.nextSteps).toContain('Start Cassandra');
  });

  it('refuses, writing nothing, when the store no longer holds exactly the planned segments', async () => {
    const names = [await store(0), await store(1), await store(2)];
    await expect(prepareReplay(step(plan(names.slice(0, 2))), { ...recordingContext().context, operationId: 'op-9' })).rejects.toThrow(
      "the store's segments changed since planning",
    );
    expect(await fs.readTextIfExists(join(dir, 'conf', 'commitlog_archiving.properties'))).toBeUndefined();
    expect(await fs.stat(join(dir, 'staging'))).toBeUndefined();
  });
});
