import { Readable } from 'node:stream';
import { SnapshotFile } from '../../cassandra/snapshot-files';
import { FileSystem } from '../../adapters/filesystem';
import { zstdCompressBuffer } from './zstd-format';

/**
 * Components whose bytes are (close to) random, so zstd cannot shrink them (measured, docs/design.md "Compression"):
 * a bloom filter is bits about half set; CRC.db and the digests are checksums.
 */
const INCOMPRESSIBLE_COMPONENTS = new Set(['Filter.db', 'CRC.db', 'Digest.crc32', 'Digest.adler32', 'Digest.sha1']);

/** Below this a zstd frame saves a few bytes at most (TOC.txt, small Statistics.db): stored as they are. */
export const MIN_COMPRESSED_FILE_BYTES = 4096;

/** How much of a file the probe compresses to decide. */
export const PROBE_BYTES = 256 * 1024;

/** A file is compressed only when its probe shrinks to at most this share of its size (saves at least 10%). */
export const PAYS_AT_MOST = 0.9;

/** "nb-3-big-Data.db", ".ix/nb-3-big-Data.db" → "Data.db" (the component after the SSTable's descriptor). */
export function componentOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base.slice(base.lastIndexOf('-') + 1);
}

/** The CompressionInfo.db of each SSTable Cassandra compressed (by backup directory, which is per SSTable). */
export function compressionInfoFiles(files: SnapshotFile[]): Map<string, SnapshotFile> {
  return new Map(files.filter((f) => componentOf(f.name) === 'CompressionInfo.db').map((f) => [f.sstableDir, f]));
}

/**
 * Cassandra compressors whose output is entropy-coded: zstd cannot shrink their chunks further. LZ4 and Snappy
 * (LZ4 is Cassandra's default) are not: zstd measured 0.70 of an LZ4 Data.db of the simulator's rows, so their
 * Data.db goes to the probe like any other file.
 */
const ENTROPY_CODED_COMPRESSORS = /(Zstd|Deflate)Compressor$/;

/**
 * Why a file is stored as it is without even probing it, or undefined when it may pay (then `probePays` decides).
 * `compressor`: the class CompressionInfo.db names for the file's SSTable, when Cassandra compressed it.
 */
export function reasonToSkip(file: SnapshotFile, compressor: string | undefined): string | undefined {
  const component = componentOf(file.name);
  if (file.size < MIN_COMPRESSED_FILE_BYTES) return 'small';
  if (INCOMPRESSIBLE_COMPONENTS.has(component)) return 'incompressible component';
  if (component === 'Data.db' && compressor !== undefined && ENTROPY_CODED_COMPRESSORS.test(compressor)) {
    return `compressed by Cassandra (${compressor})`;
  }
  return undefined;
}

/**
 * The compressor class CompressionInfo.db starts with (Java's writeUTF: a 2-byte length, then the name), e.g.
 * "org.apache.cassandra.io.compress.LZ4Compressor"; "unknown" when it cannot be read as one (then the probe decides).
 */
export async function cassandraCompressor(fs: FileSystem, path: string): Promise<string> {
  const start = await head(fs, path, 2 + 256);
  const length = start.length >= 2 ? start.readUInt16BE(0) : 0;
  const name = start.subarray(2, 2 + length).toString('latin1');
  return length > 0 && length <= 256 && /^[\w.$]+$/.test(name) ? name : 'unknown';
}

/** The first `bytes` of a file (fewer when it is shorter), read and released. */
async function head(fs: FileSystem, path: string, bytes: number): Promise<Buffer> {
  const stream: Readable = fs.openRead(path);
  const chunks: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      got += (chunk as Buffer).length;
      if (got >= bytes) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, got).subarray(0, bytes);
}

/**
 * Measures instead of guessing: compresses the file's first PROBE_BYTES at `level` and says whether that saved at
 * least 1 - PAYS_AT_MOST of them. Deterministic for a file's bytes, so the same file is decided alike every time.
 */
export async function probePays(fs: FileSystem, path: string, level: number): Promise<boolean> {
  const sample = await head(fs, path, PROBE_BYTES);
  if (sample.length === 0) return false;
  const compressed = await zstdCompressBuffer(sample, level);
  return compressed.length <= sample.length * PAYS_AT_MOST;
}
