import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { CommitLogLayout, CommitLogRestoreRequest, parseOperationRequest } from '@daedalus/contracts';
import { MemoryBackend } from '@daedalus/storage';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { CassandraNode } from '../../cassandra/cassandra-node';
import { NodeRegistrationService } from '../../registration/node-registration.service';
import { OperationRejectedError } from '../executor';
import { HOST, nodeRegistration } from '../testing/node-fixtures';
import { recordingContext } from '../testing/recording-context';
import { CommitLogRestoreExecutor, CommitLogRestoreResult } from './commitlog-restore.executor';
import { writeIndexEntry } from './segment-store';

const node = { cluster: 'test', dc: 'dc1', hostId: HOST };
const BASE = 1_764_000_000_000;
const MINUTE = 60_000;
const PREVIOUS = 'archive_command=/bin/cp %path /var/lib/cassandra/archive/%name\n';

describe('CommitLogRestoreExecutor', () => {
  let dir: string;
  let backend: MemoryBackend;
  let running: boolean;
  let executor: CommitLogRestoreExecutor;
  const conf = () => join(dir, 'conf');
  const properties = () => join(conf(), 'commitlog_archiving.properties');
  const staging = () => join(dir, 'daedalus-restore');
  const request = (extra: Record<string, unknown> = {}) =>
    parseOperationRequest({
      type: 'commitlog-restore',
      storageLocation: `s3://bucket/test/dc1/${HOST}`,
      timestampEnd: BASE + 150_000,
      ...extra,
    }) as CommitLogRestoreRequest;
  const run = (extra: Record<string, unknown> = {}, operationId = 'op-1') =>
    executor.execute(request(extra), { ...recordingContext().context, operationId }) as Promise<CommitLogRestoreResult>;

  /** Segment BASE+i, last written i+1 minutes after BASE. */
  async function store(i: number, content = `segment ${i}`, stored = content): Promise<void> {
    const name = `CommitLog-7-${BASE + i}.log`;
    const key = CommitLogLayout.segment(node, name);
    await backend.put(key, () => Readable.from([Buffer.from(stored)]));
    await writeIndexEntry(backend, node, {
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
  }

  beforeEach(async () => {
    dir = await fs.makeTemporaryDirectory('commitlog-restore-spec');
    await fs.makeDirectory(conf());
    await fs.write(properties(), PREVIOUS);
    backend = new MemoryBackend();
    running = false;
    const cassandra = {
      operationMode: async () => {
        if (!running) throw new Error('connection refused');
        return 'NORMAL';
      },
    } as unknown as CassandraNode;
    const registration = nodeRegistration(join(dir, 'data'));
    const identity = { current: registration, roots: registration.roots } as unknown as NodeRegistrationService;
    executor = new CommitLogRestoreExecutor(cassandra, identity, { configDir: conf(), reserveBytes: 0 }, async () => backend);
  });

  afterEach(() => fs.remove(dir));

  it('downloads the covering segments into their own directory and points Cassandra at them, the old file kept aside', async () => {
    for (const i of [0, 1, 2, 3]) await store(i);
    const result = await run();
    expect(result.segments.map((s) => s.id)).toEqual([BASE, BASE + 1, BASE + 2]);
    expect(result.restoreDirectory).toBe(join(staging(), 'commitlog-op-1'));
    expect((await fs.list(result.restoreDirectory)).map((e) => e.name)).toEqual(result.segments.map((s) => s.name));
    expect(await fs.readText(join(result.restoreDirectory, `CommitLog-7-${BASE + 1}.log`))).toBe('segment 1');
    const text = await fs.readText(properties());
    expect(text).toContain(PREVIOUS);
    expect(text).toContain(`restore_directories=${result.restoreDirectory}\n`);
    expect(text).toContain(`restore_point_in_time=${result.restorePointInTime}\n`);
    expect(text).toContain('restore_command=/bin/cp -f %from %to\n');
    expect(await fs.readText(String(result.previousPropertiesKeptAs))).toBe(PREVIOUS);
    // a redelivered command finds its work done and keeps the first copy of the previous file
    const again = await run();
    expect(again).toMatchObject({ restoreDirectory: result.restoreDirectory, downloadedBytes: 0 });
    expect(await fs.readText(String(again.previousPropertiesKeptAs))).toBe(PREVIOUS);
  });

  it('refuses a running node before reading the store', async () => {
    running = true;
    await expect(run()).rejects.toThrow('needs Cassandra stopped');
    expect(await fs.readText(properties())).toBe(PREVIOUS);
  });

  it('refuses a gap or an archive that does not reach the end, changing nothing', async () => {
    for (const i of [0, 1, 3]) await store(i);
    await expect(run()).rejects.toThrow(OperationRejectedError);
    await expect(run()).rejects.toThrow(/gap between segment \d+ .* and segment \d+: 1 segment\(s\) are missing/);
    await expect(run({ timestampEnd: BASE + 10 * MINUTE })).rejects.toThrow('reach only');
    expect(await fs.readText(properties())).toBe(PREVIOUS);
    expect(await fs.list(staging())).toEqual([]);
  });

  it('fails on a segment whose bytes do not match its index entry, with no restore directory and the file untouched', async () => {
    await store(0);
    await store(1, 'segment 1', 'segment !');
    await store(2);
    await expect(run()).rejects.toThrow();
    expect(await fs.readText(properties())).toBe(PREVIOUS);
    expect(await fs.stat(join(staging(), 'commitlog-op-1'))).toBeUndefined();
  });
});
