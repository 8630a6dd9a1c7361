import * as zlib from 'node:zlib';

/** The only compression a backup writes; recorded per file in the manifest (`compressed.format`). */
export const COMPRESSION_FORMAT = 'zstd';
export type CompressionFormat = typeof COMPRESSION_FORMAT;

/** A compressed object's key is the file's key plus this: it never shares a key with the file stored as it is. */
export const COMPRESSED_KEY_SUFFIX = '.zst';

/** Levels a request may ask for. Above 9 zstd's tables grow to tens of MiB per stream (measured: docs/design.md). */
export const MIN_COMPRESSION_LEVEL = 1;
export const MAX_COMPRESSION_LEVEL = 9;
export const DEFAULT_COMPRESSION_LEVEL = 3;

/**
 * Largest window a reader accepts (2^23 = 8 MiB, what zstd uses up to level 19): a hostile or damaged frame cannot
 * make a restore allocate more than that per stream.
 */
export const MAX_WINDOW_LOG = 23;

/** Node's zlib binds zstd since 22.15 / 23.8: no native addon or download (package.json engines says so). */
export function zstdAvailable(): boolean {
  return typeof zlib.createZstdCompress === 'function' && typeof zlib.createZstdDecompress === 'function';
}

export function requireZstd(): void {
  if (!zstdAvailable()) {
    throw new Error(`compression zstd needs Node 22.15, 23.8 or newer (zlib zstd); this agent runs Node ${process.versions.node}`);
  }
}

/**
 * Output buffer of each stream: zlib's 16 KiB default made a store write (a thread-pool trip) and a hash update
 * per 16 KiB; 256 KiB is 16 times fewer, still a small fixed amount per stream.
 */
const ZSTD_CHUNK_BYTES = 256 * 1024;

export function zstdCompressor(level: number): zlib.ZstdCompress {
  requireZstd();
  return zlib.createZstdCompress({ chunkSize: ZSTD_CHUNK_BYTES, params: { [zlib.constants.ZSTD_c_compressionLevel]: level } });
}

export function zstdDecompressor(): zlib.ZstdDecompress {
  requireZstd();
  return zlib.createZstdDecompress({ chunkSize: ZSTD_CHUNK_BYTES, params: { [zlib.constants.ZSTD_d_windowLogMax]: MAX_WINDOW_LOG } });
}

/** One buffer compressed, off the main thread (zlib's thread pool): what the probe measures with. */
export function zstdCompressBuffer(data: Buffer, level: number): Promise<Buffer> {
  requireZstd();
  return new Promise((resolve, reject) =>
    zlib.zstdCompress(data, { params: { [zlib.constants.ZSTD_c_compressionLevel]: level } }, (error, result) =>
      error ? reject(error) : resolve(result),
    ),
  );
}
