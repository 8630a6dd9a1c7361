import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FaultInjectingBackend, MemoryBackend, openBackend, StorageError, withRetry } from '@daedalus/storage';
import { InFlightUploads } from './in-flight-uploads';
import { uploadSnapshot, UploadItem } from './uploader';
import { localFileSystem as fs } from '../adapters/filesystem';
import { DecryptStream, EncryptionKey, encryptedSize } from './encryption';

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
// About a third of all puts fail below, and which file draws which fault depends on how the 4 workers
// interleave: 20 attempts make "one file failed every time" (0.33^20 per file) impossible in practice.
const fastRetry = { maxAttempts: 20, initialDelayMs: 1, maxDelayMs: 5, jitter: false };

describe('uploadSnapshot against a failing store (storage fault injection)', () => {
  let dir: string;
  let items: UploadItem[];
  const contents = new Map<string, Buffer>();

  beforeAll(async () => {
    dir = await fs.makeTemporaryDirectory('uploader');
    items = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const data = Buffer.alloc(i === 0 ? 0 : 4096 + i * 97, i); // one zero-byte component too
        const path = join(dir, `nb-${i}-big-Data.db`);
        await fs.write(path, data);
        const key = `c/dc1/h1/data/ks/t-00/nb-${i}-big-c${i}/nb-${i}-big-Data.db`;
        contents.set(key, data);
        return { key, file: { path, name: `nb-${i}-big-Data.db`, size: data.length, sstableDir: `nb-${i}-big-c${i}` } };
      }),
    );
  });

  afterAll(() => fs.remove(dir));

  const options = () => ({
    prefix: 'c/dc1/h1/data/',
    concurrency: 4,
    signal: new AbortController().signal,
    known: new Map(),
    inFlight: new InFlightUploads(),
    onProgress: () => undefined,
  });

  it('into a file store copies each file without streaming it, hashes it and reports all its bytes as progress', async () => {
    const root = await fs.makeTemporaryDirectory('uploader-file-store');
    try {
      const store = openBackend(`file://${root}/bucket`, { concurrency: 4 });
      await store.ensureBucket({ create: true });
      let progress = [0, 0];
      const outcomes = await uploadSnapshot(store, items, { ...options(), onProgress: (done, total) => (progress = [done, total]) });
      const total = [...contents.values()].reduce((sum, data) => sum + data.length, 0);
      expect(progress).toEqual([total, total]);
      for (const [key, data] of contents) {
        expect(outcomes.get(key)).toEqual({ size: data.length, sha256: sha256(data), uploaded: true });
        expect((await bytesOf(await store.get(key))).equals(data)).toBe(true);
      }
    } finally {
      await fs.remove(root);
    }
  });

  it('retries transient failures mid-upload (cut streams, lost answers) and stores every file intact', async () => {
    const memory = new MemoryBackend();
    const faulty = new FaultInjectingBackend(memory, {
      seed: 7,
      rules: [
        { operations: ['put'], trigger: { probability: 0.25 }, fault: { type: 'cut', afterBytes: 1000, mode: 'error' } },
        { operations: ['put'], trigger: { probability: 0.1 }, fault: { type: 'error', kind: 'retryable', when: 'after' } },
        { operations: ['list'], trigger: { nth: 1 }, fault: { type: 'error', kind: 'retryable' } },
      ],
    });
    const outcomes = await uploadSnapshot(withRetry(faulty, fastRetry), items, options());
    expect(faulty.injected.length).toBeGreaterThan(5);
    for (const [key, data] of contents) {
      expect({ key, sha256: outcomes.get(key)?.sha256 }).toEqual({ key, sha256: sha256(data) });
      expect(sha256(await bytesOf(await memory.get(key)))).toBe(sha256(data));
    }
  });

  it('gives up on a permanent failure without retrying it', async () => {
    const faulty = new FaultInjectingBackend(new MemoryBackend(), {
      rules: [{ operations: ['put'], trigger: { nth: 3 }, fault: { type: 'error', kind: 'permanent' } }],
    });
    await expect(uploadSnapshot(withRetry(faulty, fastRetry), items, { ...options(), concurrency: 1 })).rejects.toBeInstanceOf(
      StorageError,
    );
    expect(faulty.injected).toHaveLength(1);
    expect(faulty.calls.put).toBe(3);
  });

  it('reuses what an earlier, unfinished backup left in the store, reading nothing', async () => {
    const memory = new MemoryBackend();
    await uploadSnapshot(memory, items.slice(0, 10), options());
    const progress: number[] = [];
    const outcomes = await uploadSnapshot(memory, items, {
      ...options(),
      onProgress: (_done: number, total: number) => progress.push(total),
    });
    expect(items.slice(0, 10).every((i) => outcomes.get(i.key)?.uploaded === false)).toBe(true);
    expect(items.slice(10).every((i) => outcomes.get(i.key)?.uploaded === true)).toBe(true);
    expect(progress[0]).toBe(items.slice(10).reduce((sum, i) => sum + i.file.size, 0));
  });

  it("on a store that keeps no hash (file), reuses the objects this process stored before — a paused backup's next round", async () => {
    const root = await fs.makeTemporaryDirectory('uploader-remembered');
    try {
      const store = openBackend(`file://${root}/bucket`, { concurrency: 4 });
      await store.ensureBucket({ create: true });
      const agent = new InFlightUploads();
      await uploadSnapshot(store, items.slice(0, 10), { ...options(), inFlight: agent });
      // one of them removed since (e.g. by a removal's sweep): the listing no longer shows it, so it goes again
      await store.delete(items[3].key);
      const next = await uploadSnapshot(store, items, { ...options(), inFlight: agent });
      const uploaded = items.filter((i) => next.get(i.key)?.uploaded).map((i) => i.key);
      expect(uploaded).toEqual([items[3], ...items.slice(10)].map((i) => i.key));
      for (const item of items) expect(next.get(item.key)?.sha256).toBe(sha256(contents.get(item.key) ?? Buffer.alloc(0)));
      // another process (an agent restarted) cannot tell what the file store holds: it uploads everything again
      const restarted = await uploadSnapshot(store, items, options());
      expect(items.every((i) => restarted.get(i.key)?.uploaded === true)).toBe(true);
      await store.close();
    } finally {
      await fs.remove(root);
    }
  }, 60_000);

  it('seals every file with the key through retried attempts: plaintext hash in the outcome, ciphertext that opens to the file', async () => {
    const key = EncryptionKey.fromBytes(Buffer.alloc(32, 3));
    const memory = new MemoryBackend();
    const faulty = new FaultInjectingBackend(memory, {
      seed: 11,
      rules: [{ operations: ['put'], trigger: { probability: 0.25 }, fault: { type: 'cut', afterBytes: 1000, mode: 'error' } }],
    });
    const outcomes = await uploadSnapshot(withRetry(faulty, fastRetry), items, { ...options(), encryption: key });
    expect(faulty.injected.length).toBeGreaterThan(3);
    for (const [objectKey, data] of contents) {
      const stored = await bytesOf(await memory.get(objectKey));
      expect({ objectKey, outcome: outcomes.get(objectKey) }).toEqual({
        objectKey,
        outcome: {
          size: data.length,
          sha256: sha256(data),
          stored: { size: encryptedSize(data.length), sha256: sha256(stored) },
          uploaded: true,
        },
      });
      const opened = await bytesOf(
        Readable.from([stored]).pipe(new DecryptStream(key, { object: objectKey, expected: { size: data.length, sha256: sha256(data) } })),
      );
      expect(sha256(opened)).toBe(sha256(data));
    }
  });

  it('with a key, reuses only objects its manifests record as sealed, and uploads again what an unfinished backup left', async () => {
    const key = EncryptionKey.fromBytes(Buffer.alloc(32, 3));
    const memory = new MemoryBackend();
    const first = await uploadSnapshot(memory, items.slice(0, 10), { ...options(), encryption: key });
    const known = new Map([...first].slice(0, 5).map(([k, o]) => [k, { size: o.size, sha256: o.sha256, stored: o.stored }]));
    // a plaintext record of the same key must not be taken for a sealed object
    known.set(items[5].key, { size: items[5].file.size, sha256: sha256(contents.get(items[5].key) ?? Buffer.alloc(0)), stored: undefined });
    const outcomes = await uploadSnapshot(memory, items.slice(0, 10), { ...options(), known, encryption: key });
    expect(items.slice(0, 10).map((i) => outcomes.get(i.key)?.uploaded)).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      true,
      true,
      true,
    ]);
  });
});
