/**
 * `npm run bench -- compression [--sstables 40] [--mib 2] [--runs 3] [--level 3] [--concurrency 8]`: bytes stored and
 * time with and without `compression: "zstd"`, on generated SSTables shaped like a node's snapshot: two thirds of
 * a table Cassandra compresses (Data.db already compressed chunks, CompressionInfo.db beside it) and one third of a
 * table with compression disabled (plain rows in Data.db, CRC.db), each with Index.db, Summary.db, Filter.db,
 * Statistics.db, Digest.crc32 and TOC.txt. The agent's own uploadSnapshot writes a file:// store (hashed, fsynced,
 * renamed as in a backup) and downloadFiles restores it (checked on every byte), interleaved: none, zstd, none, …
 * Prints bytes stored per component with and without, and min / median / max seconds; writes
 * bench/compression/RESULTS.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { openBackend } from '@daedalus/storage';
import { makeTempDir, removeDir } from '../../test/support/processes';
import { InFlightUploads } from '../../apps/node-agent/src/repository/in-flight-uploads';
import { uploadSnapshot, UploadItem, UploadOutcome } from '../../apps/node-agent/src/repository/uploader';
import { downloadFiles } from '../../apps/node-agent/src/repository/downloader';
import { componentOf } from '../../apps/node-agent/src/repository/compression';
import { ManifestFile, storedOf } from '../../apps/node-agent/src/repository/manifest';
import { localFileSystem } from '../../apps/node-agent/src/adapters/filesystem';

const MIB = 1024 * 1024;

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
}

/** A deterministic generator, so every run (and both modes) back up the same bytes. */
function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

const WORDS = ['order', 'customer', 'shipped', 'pending', 'paris', 'berlin', 'madrid', 'express', 'standard', 'refund', 'card', 'invoice'];

/** Rows as Cassandra's sstable layout holds them: partition key, clustering, a few typed columns, timestamps. */
function rowBytes(bytes: number, seed: number): Buffer {
  const random = prng(seed);
  const out = Buffer.alloc(bytes);
  let at = 0;
  for (let i = 0; at < bytes; i++) {
    const key = `${(random() * 1e9).toString(36)}-${i.toString(16).padStart(8, '0')}`;
    const row =
      `\u0000${String.fromCharCode(key.length)}${key}` +
      `\u0007${WORDS[Math.floor(random() * WORDS.length)]}\u0004${Math.floor(random() * 100000)}` +
      `\u0008${1_700_000_000_000_000 + i * 1013}\u0005${WORDS[Math.floor(random() * WORDS.length)]} ${WORDS[Math.floor(random() * WORDS.length)]}` +
      `\u0006${(random() * 10000).toFixed(2)}`;
    at += out.write(row, at, 'latin1');
  }
  return out;
}

/** Data.db of a table Cassandra compresses with DeflateCompressor: each 16 KiB chunk of rows deflated. */
function compressedChunks(bytes: number, seed: number): { data: Buffer; offsets: Buffer } {
  const rows = rowBytes(Math.ceil(bytes * 3.2), seed);
  const chunks: Buffer[] = [];
  const offsets: number[] = [];
  let size = 0;
  for (let at = 0; size < bytes && at < rows.length; at += 16 * 1024) {
    offsets.push(size);
    const chunk = deflateRawSync(rows.subarray(at, at + 16 * 1024), { level: 1 });
    chunks.push(chunk);
    size += chunk.length + 4;
    chunks.push(randomBytes(4)); // the chunk's CRC
  }
  const index = Buffer.alloc(8 * offsets.length + 32);
  index.writeUInt16BE('DeflateCompressor'.length, 0);
  index.write('DeflateCompressor', 2, 'latin1');
  offsets.forEach((offset, i) => index.writeBigInt64BE(BigInt(offset), 24 + 8 * i));
  return { data: Buffer.concat(chunks), offsets: index };
}

/** Index.db: each partition key with its Data.db position. */
function indexBytes(keys: number, seed: number): Buffer {
  const random = prng(seed);
  const parts: Buffer[] = [];
  let position = 0;
  for (let i = 0; i < keys; i++) {
    const key = Buffer.from(`${(random() * 1e9).toString(36)}-${i.toString(16).padStart(8, '0')}`, 'latin1');
    const entry = Buffer.alloc(2 + key.length + 12);
    entry.writeUInt16BE(key.length, 0);
    key.copy(entry, 2);
    entry.writeBigInt64BE(BigInt(position), 2 + key.length);
    parts.push(entry);
    position += 60 + Math.floor(random() * 400);
  }
  return Buffer.concat(parts);
}

/** Statistics.db: histograms of counts and timestamps (mostly small numbers and zeros). */
function statisticsBytes(seed: number): Buffer {
  const random = prng(seed);
  const out = Buffer.alloc(12 * 1024);
  for (let at = 0; at + 8 <= out.length; at += 8) out.writeBigInt64BE(BigInt(Math.floor(random() < 0.6 ? 0 : random() * 5000)), at);
  return out;
}

interface Generated {
  items: UploadItem[];
  bytes: number;
}

/** `sstables` SSTables of about `mib` MiB each (Data.db), two thirds of a compressed table, one third of an uncompressed one. */
async function generate(dir: string, sstables: number, mib: number): Promise<Generated> {
  const items: UploadItem[] = [];
  let bytes = 0;
  for (let n = 1; n <= sstables; n++) {
    const compressedTable = n % 3 !== 0;
    const table = compressedTable ? 'orders' : 'events';
    const sstableDir = `nb-${n}-big-c${n}`;
    const dataBytes = Math.round(mib * MIB * (0.5 + ((n * 7) % 10) / 10));
    const keys = Math.round(dataBytes / 160);
    const files: Array<[string, Buffer]> = [];
    if (compressedTable) {
      const { data, offsets } = compressedChunks(dataBytes, n);
      files.push(['Data.db', data], ['CompressionInfo.db', offsets]);
    } else {
      const data = rowBytes(dataBytes, n);
      files.push(['Data.db', data], ['CRC.db', randomBytes(4 * Math.ceil(dataBytes / 65536))]);
    }
    const index = indexBytes(keys, n + 1000);
    files.push(
      ['Index.db', index],
      ['Summary.db', indexBytes(Math.ceil(keys / 128), n + 2000)],
      ['Filter.db', randomBytes(Math.ceil((keys * 10) / 8))], // a bloom filter: about half its bits set
      ['Statistics.db', statisticsBytes(n)],
      ['Digest.crc32', Buffer.from(String(Math.floor(prng(n)() * 4294967295)))],
      [
        'TOC.txt',
        Buffer.from(files.map(([c]) => c).join('\n') + '\nIndex.db\nSummary.db\nFilter.db\nStatistics.db\nDigest.crc32\nTOC.txt\n'),
      ],
    );
    const sstable = join(dir, table, sstableDir);
    await fs.mkdir(sstable, { recursive: true });
    for (const [component, data] of files) {
      const name = `nb-${n}-big-${component}`;
      const path = join(sstable, name);
      await fs.writeFile(path, data);
      bytes += data.length;
      items.push({ key: `bench/dc1/h1/data/shop/${table}-00/${sstableDir}/${name}`, file: { path, name, size: data.length, sstableDir } });
    }
  }
  return { items, bytes };
}

/** none: the plain upload (a file store copies in the kernel); streamed: plain, but streamed as a compressed one is. */
type Mode = 'none' | 'streamed' | 'zstd';
const MODES: Mode[] = ['none', 'streamed', 'zstd'];

interface Run {
  mode: Mode;
  backupSeconds: number;
  restoreSeconds: number;
  storedBytes: number;
  outcomes: Map<string, UploadOutcome>;
}

async function once(items: UploadItem[], root: string, mode: Mode, level: number, concurrency: number): Promise<Run> {
  const store = join(root, `store-${mode}`);
  const restored = join(root, `restored-${mode}`);
  await Promise.all([fs.rm(store, { recursive: true, force: true }), fs.rm(restored, { recursive: true, force: true })]);
  const backend = openBackend(`file://${store}/bucket`, { concurrency });
  await backend.ensureBucket({ create: true });
  const signal = new AbortController().signal;
  let start = process.hrtime.bigint();
  const outcomes = await uploadSnapshot(backend, items, {
    prefix: 'bench/dc1/h1/data/',
    concurrency,
    signal,
    known: new Map(),
    inFlight: new InFlightUploads(),
    onProgress: () => undefined,
    compression: mode === 'zstd' ? { level } : undefined,
    // naming the filesystem makes the uploader stream the file instead of letting the store copy it
    fs: mode === 'streamed' ? localFileSystem : undefined,
  });
  const backupSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const files: ManifestFile[] = items.map((item) => {
    const o = outcomes.get(item.key);
    if (!o) throw new Error(`no outcome for ${item.key}`);
    return { key: o.key ?? item.key, name: item.file.name, size: o.size, sha256: o.sha256, stored: o.stored, compressed: o.compressed };
  });
  start = process.hrtime.bigint();
  await downloadFiles(
    backend,
    files.map((f, i) => ({ file: f, path: join(restored, items[i].file.sstableDir, f.name) })),
    { concurrency, signal, onProgress: () => undefined, reserveBytes: 0 },
  );
  const restoreSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  await backend.close();
  let storedBytes = 0;
  for (const f of files) storedBytes += (await fs.stat(join(store, 'bucket', f.key))).size;
  // the restored files are the originals (downloadFiles checked each; one more look at a sample costs little)
  const sample = items[items.length - 1];
  const same = createHash('sha256')
    .update(await fs.readFile(join(restored, sample.file.sstableDir, sample.file.name)))
    .digest('hex');
  if (same !== outcomes.get(sample.key)?.sha256) throw new Error(`restored ${sample.file.name} differs`);
  await fs.rm(restored, { recursive: true, force: true });
  return { mode, backupSeconds, restoreSeconds, storedBytes, outcomes };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const spread = (values: number[]) => `${Math.min(...values).toFixed(2)} / ${median(values).toFixed(2)} / ${Math.max(...values).toFixed(2)}`;
const mb = (bytes: number) => (bytes / MIB).toFixed(1);

/** Bytes in and stored per component (and table kind), from one zstd run's outcomes. */
function byComponent(items: UploadItem[], outcomes: Map<string, UploadOutcome>): string[] {
  const rows = new Map<string, { files: number; compressed: number; bytes: number; stored: number }>();
  for (const item of items) {
    const o = outcomes.get(item.key);
    if (!o) continue;
    const table = item.key.includes('/orders-') ? 'compressed table' : 'uncompressed table';
    const name = `${componentOf(item.file.name)} (${table})`;
    const row = rows.get(name) ?? { files: 0, compressed: 0, bytes: 0, stored: 0 };
    row.files += 1;
    row.compressed += o.compressed ? 1 : 0;
    row.bytes += item.file.size;
    row.stored += storedOf(o).size;
    rows.set(name, row);
  }
  const lines = ['| component | files | compressed | MiB | MiB stored with zstd | stored / original |', '|---|---|---|---|---|---|'];
  for (const [name, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`| ${name} | ${r.files} | ${r.compressed} | ${mb(r.bytes)} | ${mb(r.stored)} | ${(r.stored / r.bytes).toFixed(3)} |`);
  }
  return lines;
}

export async function runCompressionBench(args: string[]): Promise<void> {
  const sstables = option(args, 'sstables', 40);
  const mib = option(args, 'mib', 2);
  const runs = option(args, 'runs', 3);
  const level = option(args, 'level', 3);
  const concurrency = option(args, 'concurrency', 8);
  const root = makeTempDir('bench-compression');
  try {
    const { items, bytes } = await generate(join(root, 'snapshot'), sstables, mib);
    console.log(`${items.length} files, ${mb(bytes)} MiB; level ${level}, ${concurrency} connections, ${runs} runs each`);
    const results: Run[] = [];
    for (let run = 0; run < runs; run++) {
      for (const mode of MODES) {
        const result = await once(items, root, mode, level, concurrency);
        results.push(result);
        console.log(
          `${mode}: backup ${result.backupSeconds.toFixed(2)} s, restore ${result.restoreSeconds.toFixed(2)} s, stored ${mb(result.storedBytes)} MiB`,
        );
      }
    }
    const of = (mode: Mode) => results.filter((r) => r.mode === mode);
    const [none, streamed, zstd] = [of('none'), of('streamed'), of('zstd')];
    const lines = [
      '# Compression bench (`npm run bench -- compression`)',
      '',
      `Generated by the bench on ${new Date().toISOString()} (${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)} at the end).`,
      `${items.length} files in ${sstables} generated SSTables, ${mb(bytes)} MiB: two thirds of a table Cassandra compresses`,
      '(Data.db = deflated 16 KiB chunks, CompressionInfo.db naming DeflateCompressor), one third of a table with',
      'compression disabled (rows in Data.db, CRC.db). The agent’s uploadSnapshot into a file:// store and downloadFiles',
      `back, ${concurrency} connections, zstd level ${level}, modes interleaved; seconds min / median / max of ${runs} runs.`,
      '"streamed": the same plain upload, but streamed through the process as a compressed one must be (without',
      'compression a file store copies the file in the kernel instead): the cost of compressing is zstd against it.',
      '',
      '| | bytes stored | stored / original | backup s | restore s |',
      '|---|---|---|---|---|',
      `| without compression | ${mb(none[0].storedBytes)} MiB | ${(none[0].storedBytes / bytes).toFixed(3)} | ${spread(none.map((r) => r.backupSeconds))} | ${spread(none.map((r) => r.restoreSeconds))} |`,
      `| without compression, streamed | ${mb(streamed[0].storedBytes)} MiB | ${(streamed[0].storedBytes / bytes).toFixed(3)} | ${spread(streamed.map((r) => r.backupSeconds))} | ${spread(streamed.map((r) => r.restoreSeconds))} |`,
      `| zstd | ${mb(zstd[0].storedBytes)} MiB | ${(zstd[0].storedBytes / bytes).toFixed(3)} | ${spread(zstd.map((r) => r.backupSeconds))} | ${spread(zstd.map((r) => r.restoreSeconds))} |`,
      '',
      'Per component (zstd run): which were compressed and what they take in the store.',
      '',
      ...byComponent(items, zstd[0].outcomes),
      '',
    ];
    console.log(lines.join('\n'));
    writeFileSync(join(__dirname, 'RESULTS.md'), `${lines.join('\n')}\n`);
  } finally {
    removeDir(root);
  }
}
