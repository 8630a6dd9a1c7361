import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MemoryBackend, sha256Hex } from '@daedalus/storage';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { SnapshotFile } from '../../cassandra/snapshot-files';
import { BackupLayout } from '../backup-layout';
import { verifyNode } from '../backup-verification';
import { downloadFiles, downloadPath } from '../downloader';
import { EncryptionKey } from '../encryption';
import { InFlightUploads } from '../in-flight-uploads';
import { ManifestFile, NodeManifest, storedOf } from '../manifest';
import { uploadSnapshot, UploadItem, UploadOptions } from '../uploader';
import { CompressionChoice } from './compression-choice';
import { cassandraCompressor, componentOf, compressionInfoFiles, PROBE_BYTES, probePays, reasonToSkip } from './component-rules';
import { CompressedObjectError } from './content-check';
import { asCompressionError, compressing, decompressing } from './zstd-streams';

// streams of a few MiB through zstd and a store: seconds on a machine shared with other work, not 5
jest.setTimeout(30_000);

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Rows like an index or an uncompressed Data.db: keys, numbers, repeated column names. */
function rows(bytes: number, seed = 1): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `partition-${(i * 7919 + seed) % 1_000_003}|name=${'customer'.repeat(1 + (i % 3))}|ts=${1_700_000_000_000 + i * 13}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

/** CompressionInfo.db naming `compressor`, then chunk offsets */
function compressionInfo(compressor: string, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  out.writeUInt16BE(compressor.length, 0);
  out.write(compressor, 2, 'latin1');
  for (let at = 64, offset = 0; at + 8 <= bytes; at += 8, offset += 9000) out.writeBigInt64BE(BigInt(offset), at);
  return out;
}

const file = (name: string, size: number, sstableDir = 'nb-1-big-c1'): SnapshotFile => ({ path: `/x/${name}`, name, size, sstableDir });

describe('zstd streams', () => {
  it('round-trips a multi-MiB file through compress → decompress + check, reporting the file’s own size and sha256', async () => {
    const data = rows(3 * 1024 * 1024 + 17);
    const source = compressing(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), 3);
    const compressed = await drain(source.stream);
    expect(compressed.length).toBeLessThan(data.length / 3);
    expect(source.content()).toEqual({ size: data.length, sha256: sha256Hex(data) });
    const out: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    });
    await pipeline([Readable.from([compressed]), ...decompressing({ size: data.length, sha256: sha256Hex(data) }, 'k'), sink]);
    expect(Buffer.concat(out).equals(data)).toBe(true);
  });

  it('fails, naming the object, when the decompressed bytes are not the file the manifest names', async () => {
    const data = rows(200_000);
    const compressed = await drain(compressing(Readable.from([data]), 3).stream);
    const run = async (bytes: Buffer, expected: { size: number; sha256: string }) => {
      try {
        await pipeline([
          Readable.from([bytes]),
          ...decompressing(expected, 'ks/t/Index.db.zst'),
          new Writable({ write: (_c, _e, cb) => cb() }),
        ]);
        return 'passed';
      } catch (error) {
        const named = asCompressionError(error, 'ks/t/Index.db.zst');
        expect(named).toBeInstanceOf(CompressedObjectError);
        return (named as Error).message;
      }
    };
    const right = { size: data.length, sha256: sha256Hex(data) };
    expect(await run(compressed, right)).toBe('passed');
    expect(await run(compressed, { ...right, sha256: '0'.repeat(64) })).toMatch(/ks\/t\/Index\.db\.zst .*sha256/);
    expect(await run(compressed, { ...right, size: right.size - 1 })).toMatch(/more than the expected/);
    expect(await run(compressed, { ...right, size: right.size + 1 })).toMatch(/decompresses to \d+ bytes, expected/);
    expect(await run(compressed.subarray(0, compressed.length - 20), right)).toMatch(/cannot be read/);
    expect(await run(Buffer.from('not a zstd frame at all'), right)).toMatch(/cannot be read: .*ZSTD_error_prefix_unknown/);
    const flipped = Buffer.from(compressed);
    flipped[Math.floor(flipped.length / 2)] ^= 0xff;
    expect(await run(flipped, right)).not.toBe('passed');
  });
});

describe('which components are compressed', () => {
  it('names the component of big, bti, index-subdirectory and SAI files', () => {
    expect(componentOf('nb-3-big-Data.db')).toBe('Data.db');
    expect(componentOf('.ix_name/nb-1-big-Index.db')).toBe('Index.db');
    expect(componentOf('da-3gbs_0l2o_1ft7k2ly8h7ud5xl-bti-Partitions.db')).toBe('Partitions.db');
  });

  it('skips Data.db Cassandra compressed with zstd or deflate, random components and small files; LZ4 and Snappy go to the probe', () => {
    const files = [
      file('nb-1-big-Data.db', 1e6, 'nb-1-big-c1'),
      file('nb-1-big-CompressionInfo.db', 9000, 'nb-1-big-c1'),
      file('nb-2-big-Data.db', 1e6, 'nb-2-big-c2'),
    ];
    expect([...compressionInfoFiles(files).keys()]).toEqual(['nb-1-big-c1']);
    expect(reasonToSkip(files[0], 'org.apache.cassandra.io.compress.ZstdCompressor')).toMatch(/compressed by Cassandra/);
    expect(reasonToSkip(files[0], 'DeflateCompressor')).toMatch(/compressed by Cassandra/);
    expect(reasonToSkip(files[0], 'org.apache.cassandra.io.compress.LZ4Compressor')).toBeUndefined();
    expect(reasonToSkip(files[0], 'SnappyCompressor')).toBeUndefined();
    expect(reasonToSkip(files[2], undefined)).toBeUndefined(); // an uncompressed table's Data.db may pay
    expect(reasonToSkip(file('nb-2-big-CRC.db', 9000), undefined)).toBe('incompressible component');
    expect(reasonToSkip(file('nb-1-big-Filter.db', 1e6), undefined)).toBe('incompressible component');
    expect(reasonToSkip(file('nb-1-big-TOC.txt', 92), undefined)).toBe('small');
    expect(reasonToSkip(file('nb-1-big-Index.db', 1e6), 'org.apache.cassandra.io.compress.ZstdCompressor')).toBeUndefined();
  });

  it('reads the compressor CompressionInfo.db names (Java writeUTF), "unknown" for anything else', async () => {
    const dir = await fs.makeTemporaryDirectory('compression-info');
    try {
      const name = 'org.apache.cassandra.io.compress.ZstdCompressor';
      const info = Buffer.alloc(2 + name.length + 12);
      info.writeUInt16BE(name.length, 0);
      info.write(name, 2, 'latin1');
      await fs.write(join(dir, 'info'), info);
      await fs.write(join(dir, 'garbage'), randomBytes(64));
      expect(await cassandraCompressor(fs, join(dir, 'info'))).toBe(name);
      expect(await cassandraCompressor(fs, join(dir, 'garbage'))).toBe('unknown');
    } finally {
      await fs.remove(dir);
    }
  });

  it('measures: a file of rows pays, random bytes (already compressed data) do not, from the first PROBE_BYTES only', async () => {
    const dir = await fs.makeTemporaryDirectory('compression-probe');
    try {
      await fs.write(join(dir, 'rows'), rows(PROBE_BYTES * 3));
      await fs.write(join(dir, 'random'), randomBytes(PROBE_BYTES * 3));
      await fs.write(join(dir, 'rows-then-random'), Buffer.concat([rows(PROBE_BYTES), randomBytes(PROBE_BYTES * 2)]));
      expect(await probePays(fs, join(dir, 'rows'), 3)).toBe(true);
      expect(await probePays(fs, join(dir, 'random'), 3)).toBe(false);
      expect(await probePays(fs, join(dir, 'rows-then-random'), 3)).toBe(true);
    } finally {
      await fs.remove(dir);
    }
  });

  it('reuses a stored object in the form its manifest entry records, never a compressed one as plain or the reverse', () => {
    const item = { key: 'd/Index.db', file: { size: 100 } };
    const plain = { size: 100, sha256: 'a' };
    const compressed = { size: 100, sha256: 'a', compressed: { format: 'zstd' as const, size: 40, sha256: 'b' } };
    expect(CompressionChoice.reusable(new Map([['d/Index.db', plain]]), item, false)).toEqual({ ...plain, uploaded: false });
    expect(CompressionChoice.reusable(new Map([['d/Index.db.zst', compressed]]), item, false)).toEqual({
      ...compressed,
      uploaded: false,
      key: 'd/Index.db.zst',
    });
    // an entry whose form does not match its key is not trusted
    expect(CompressionChoice.reusable(new Map([['d/Index.db', compressed]]), item, false)).toBeUndefined();
    expect(CompressionChoice.reusable(new Map([['d/Index.db.zst', plain]]), item, false)).toBeUndefined();
    // nor one of another size, nor a plain one for an encrypted backup
    expect(CompressionChoice.reusable(new Map([['d/Index.db', { ...plain, size: 99 }]]), item, false)).toBeUndefined();
    expect(CompressionChoice.reusable(new Map([['d/Index.db.zst', compressed]]), item, true)).toBeUndefined();
  });
});

describe('a compressed backup through the storage-agnostic path (in-memory store)', () => {
  const node = { cluster: 'c', dc: 'dc1', hostId: 'h1' };
  let dir: string;
  let items: UploadItem[];
  const contents = new Map<string, Buffer>();

  beforeAll(async () => {
    dir = await fs.makeTemporaryDirectory('compression-path');
    const sstable = (n: number, compressedTable: boolean) => {
      const base = `nb-${n}-big-`;
      const parts: Array<[string, Buffer]> = [
        ['Data.db', compressedTable ? randomBytes(300_000) : rows(600_000, n)],
        ['Index.db', rows(120_000, n + 100)],
        ['Filter.db', randomBytes(20_000)],
        ['Statistics.db', rows(8_000, n + 200)],
        ['TOC.txt', Buffer.from('Data.db\nIndex.db\n')],
        [
          compressedTable ? 'CompressionInfo.db' : 'CRC.db',
          compressedTable ? compressionInfo('ZstdCompressor', 10_000) : randomBytes(10_000),
        ],
      ];
      return parts.map(([component, data]) => ({ name: `${base}${component}`, data, sstableDir: `${base}c${n}` }));
    };
    items = [];
    for (const { name, data, sstableDir } of [...sstable(1, true), ...sstable(2, false)]) {
      const path = join(dir, name);
      await fs.write(path, data);
      const key = BackupLayout.dataFile(node, 'ks', 't-00', sstableDir, name);
      contents.set(key, data);
      items.push({ key, file: { path, name, size: data.length, sstableDir } });
    }
  });

  afterAll(() => fs.remove(dir));

  const options = (extra: Partial<UploadOptions> = {}): UploadOptions => ({
    prefix: BackupLayout.dataPrefix(node),
    concurrency: 3,
    signal: new AbortController().signal,
    known: new Map(),
    inFlight: new InFlightUploads(),
    onProgress: () => undefined,
    compression: { level: 3 },
    ...extra,
  });

  /** The manifest entries a backup executor writes from the outcomes. */
  const entries = (outcomes: Awaited<ReturnType<typeof uploadSnapshot>>): ManifestFile[] =>
    items.map((item) => {
      const o = outcomes.get(item.key);
      if (!o) throw new Error(`no outcome for ${item.key}`);
      return { key: o.key ?? item.key, name: item.file.name, size: o.size, sha256: o.sha256, stored: o.stored, compressed: o.compressed };
    });

  async function restoreInto(backend: MemoryBackend, files: ManifestFile[], key?: EncryptionKey): Promise<string> {
    const target = await fs.makeTemporaryDirectory('compression-restore');
    await downloadFiles(
      backend,
      files.map((f) => ({ file: f, path: downloadPath(target, f) })),
      { concurrency: 3, signal: new AbortController().signal, onProgress: () => undefined, reserveBytes: 0, encryption: key },
    );
    return target;
  }

  it('stores what pays compressed under <key>.zst with the file’s hash and the compressed bytes’ recorded, restores every file byte for byte', async () => {
    const backend = new MemoryBackend();
    const files = entries(await uploadSnapshot(backend, items, options()));
    const byComponent = new Map(files.map((f) => [f.name, f]));
    const compressedNames = files.filter((f) => f.compressed).map((f) => f.name);
    expect(compressedNames.sort()).toEqual([
      'nb-1-big-CompressionInfo.db',
      'nb-1-big-Index.db',
      'nb-1-big-Statistics.db',
      'nb-2-big-Data.db',
      'nb-2-big-Index.db',
      'nb-2-big-Statistics.db',
    ]);
    for (const f of files) {
      const original = contents.get(f.key.replace(/\.zst$/, ''));
      expect(f).toMatchObject({ size: original?.length, sha256: sha256Hex(original ?? Buffer.alloc(0)) });
      const object = backend.objects.get(f.key);
      expect(object?.data.length).toBe(storedOf(f).size);
      expect(f.key.endsWith('.zst')).toBe(f.compressed !== undefined);
      if (f.compressed) {
        expect(f.compressed).toEqual({ format: 'zstd', size: object?.data.length, sha256: object?.sha256 });
        expect(f.compressed.size).toBeLessThan(f.size * 0.9);
      }
    }
    // the already-compressed Data.db, the bloom filter, the checksums and the small TOC are stored as they are
    expect(byComponent.get('nb-1-big-Data.db')?.key.endsWith('Data.db')).toBe(true);
    expect(byComponent.get('nb-1-big-Filter.db')?.compressed).toBeUndefined();
    const target = await restoreInto(backend, files);
    try {
      for (const f of files)
        expect((await readFile(join(target, f.name))).equals(contents.get(f.key.replace(/\.zst$/, '')) as Buffer)).toBe(true);
    } finally {
      await fs.remove(target);
    }
  });

  it('a second backup reuses the compressed objects (nothing read or sent), and one without compression reuses them too', async () => {
    const backend = new MemoryBackend();
    const first = entries(await uploadSnapshot(backend, items, options()));
    const known = new Map(first.map((f) => [f.key, f]));
    let puts = 0;
    const counting = Object.assign(Object.create(backend) as MemoryBackend, {
      put: (...args: Parameters<MemoryBackend['put']>) => {
        puts += 1;
        return backend.put(...args);
      },
    });
    for (const compression of [{ level: 3 }, undefined]) {
      const again = await uploadSnapshot(counting, items, options({ known, compression }));
      expect([...again.values()].every((o) => !o.uploaded)).toBe(true);
      expect(entries(again)).toEqual(first);
    }
    expect(puts).toBe(0);
  });

  it('a corrupted compressed object fails the restore loudly (stored hash) and a full verify names it', async () => {
    const backend = new MemoryBackend();
    const files = entries(await uploadSnapshot(backend, items, options()));
    const victim = files.find((f) => f.name === 'nb-2-big-Index.db') as ManifestFile;
    const object = backend.objects.get(victim.key);
    if (!object) throw new Error('no object');
    const damaged = Buffer.from(object.data);
    damaged[100] ^= 0x55;
    backend.objects.set(victim.key, { ...object, data: damaged, sha256: sha256Hex(damaged) });
    await expect(restoreInto(backend, [victim])).rejects.toThrow(new RegExp(victim.key.replace(/[.]/g, '\\.')));

    const manifest: Partial<NodeManifest> = {
      schemaVersion: '1.0',
      kind: 'daedalus.node-backup',
      backupName: 'b1',
      tables: [{ keyspace: 'ks', table: 't', tableId: '00', files }],
    };
    await backend.put(BackupLayout.manifest(node, 'b1'), Readable.from([Buffer.from(JSON.stringify(manifest))]));
    const verify = (mode: 'quick' | 'full') =>
      verifyNode(backend, node, ['b1'], {
        mode,
        concurrency: 2,
        signal: new AbortController().signal,
        orphanGraceMs: 0,
        now: () => new Date(),
        onProgress: () => undefined,
      });
    expect((await verify('quick')).backups[0]).toMatchObject({ state: 'passed' }); // same size: only a read finds it
    const full = (await verify('full')).backups[0];
    expect(full).toMatchObject({ state: 'failed', corrupt: 1, problems: [{ key: victim.key, problem: 'content' }] });
  });

  it('a full verify decompresses and re-hashes: an object re-written whole (its stored hash updated too) is still caught', async () => {
    const backend = new MemoryBackend();
    const files = entries(await uploadSnapshot(backend, items, options()));
    const victim = files.find((f) => f.name === 'nb-2-big-Statistics.db') as ManifestFile;
    // other bytes stored whole, and the manifest's compressed size and hash made to match them: only decompressing finds it
    const other = await drain(compressing(Readable.from([rows(victim.size, 999)]), 3).stream);
    await backend.put(victim.key, Readable.from([other]));
    const forged = files.map((f) =>
      f === victim ? { ...f, compressed: { format: 'zstd' as const, size: other.length, sha256: sha256Hex(other) } } : f,
    );
    const manifest = {
      schemaVersion: '1.0',
      kind: 'daedalus.node-backup',
      backupName: 'b2',
      tables: [{ keyspace: 'ks', table: 't', tableId: '00', files: forged }],
    };
    await backend.put(BackupLayout.manifest(node, 'b2'), Readable.from([Buffer.from(JSON.stringify(manifest))]));
    const result = await verifyNode(backend, node, ['b2'], {
      mode: 'full',
      concurrency: 2,
      signal: new AbortController().signal,
      orphanGraceMs: 0,
      now: () => new Date(),
      onProgress: () => undefined,
    });
    expect(result.backups[0]).toMatchObject({
      state: 'failed',
      problems: [{ key: victim.key, problem: 'content', detail: expect.stringMatching(/decompressed sha256/) }],
    });
    await expect(restoreInto(backend, forged)).rejects.toThrow(/decompressed sha256/);
  });

  it('composes with client-side encryption: compressed, then sealed; restored with the key', async () => {
    const key = EncryptionKey.fromBytes(Buffer.alloc(32, 3));
    const sealedItems = items.map((item) => ({ ...item, key: item.key.replace('/data/', `/encrypted/${key.id}/data/`) }));
    const backend = new MemoryBackend();
    const outcomes = await uploadSnapshot(
      backend,
      sealedItems,
      options({ encryption: key, prefix: BackupLayout.dataPrefix(node, key.id) }),
    );
    const files = sealedItems.map((item) => {
      const o = outcomes.get(item.key);
      if (!o) throw new Error('no outcome');
      return { key: o.key ?? item.key, name: item.file.name, size: o.size, sha256: o.sha256, stored: o.stored, compressed: o.compressed };
    });
    const index = files.find((f) => f.name === 'nb-2-big-Index.db') as ManifestFile;
    expect(index.key.endsWith('Index.db.zst')).toBe(true);
    expect(index.stored?.size).toBe(
      (index.compressed?.size ?? 0) + 50 + 16 * Math.max(1, Math.ceil((index.compressed?.size ?? 0) / 65536)),
    );
    expect(backend.objects.get(index.key)?.data.subarray(0, 4).toString()).toBe('DAEC'); // sealed after compressing
    const target = await restoreInto(backend, files, key);
    try {
      for (const f of files) expect(sha256Hex(await readFile(join(target, f.name)))).toBe(f.sha256);
    } finally {
      await fs.remove(target);
    }
  });
});
