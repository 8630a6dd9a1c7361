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

/** SSTables Cassandra compressed itself: those with a CompressionInfo.db (by backup directory, which is per SSTable). */
export function sstablesCompressedByCassandra(files: SnapshotFile[]): Set<string> {
  return new Set(files.filter((f) => componentOf(f.name) === 'CompressionInfo.db').map((f) => f.sstableDir));
}

/**
 * Why a file is stored as it is without even probing it, or undefined when it may pay (then `probePays` decides).
 * Data.db of a table Cassandra compresses (the default; CompressionInfo.db beside it) is already LZ4/zstd/deflate
 * chunks: compressing it again costs CPU for next to nothing.
 */
export function reasonToSkip(file: SnapshotFile, compressedSSTables: Set<string>): string | undefined {
  const component = componentOf(file.name);
  if (file.size < MIN_COMPRESSED_FILE_BYTES) return 'small';
  if (INCOMPRESSIBLE_COMPONENTS.has(component)) return 'incompressible component';
  if (component === 'Data.db' && compressedSSTables.has(file.sstableDir)) return 'compressed by Cassandra';
  return undefined;
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
