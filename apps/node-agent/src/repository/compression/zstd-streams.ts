import { pipeline, Readable, Transform } from 'node:stream';
import { CompressedObjectError, ContentCheck, ContentMeter } from './content-check';
import { zstdCompressor, zstdDecompressor } from './zstd-format';

/** The file's bytes compressed on their way out; `content()` gives the file's size and sha256 once they all passed. */
export interface CompressingSource {
  stream: Readable;
  content: () => { size: number; sha256: string };
}

/**
 * `source` through a meter (the file's own size and sha256, which the manifest keeps) into zstd. Streamed: the
 * compressor's buffers and one chunk in flight, whatever the file's size. An error or destroy anywhere (the
 * source failing, the store cancelling the upload) destroys the whole chain.
 */
export function compressing(source: Readable, level: number): CompressingSource {
  const meter = new ContentMeter();
  const stream = pipeline(source, meter, zstdCompressor(level), () => undefined);
  return { stream, content: () => meter.content };
}

/**
 * The stages that turn a compressed object back into the file, checked against the manifest's size and sha256
 * (a restore and a full verify insert them after the download, and after decryption when the object is sealed).
 */
export function decompressing(expected: { size: number; sha256: string }, object: string): Transform[] {
  return [zstdDecompressor(), new ContentCheck(expected, object)];
}

/** A zstd decoder's failure (not a frame, damaged, cut short) as the error that names the object. */
export function asCompressionError(error: unknown, object: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  // zstd's own codes, and zlib's "unexpected end of file" (Z_BUF_ERROR) for a frame cut short or damaged mid-block
  if (typeof code === 'string' && (code.startsWith('ZSTD_') || code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR')) {
    return new CompressedObjectError(`compressed object ${object} cannot be read: ${(error as Error).message} (${code})`);
  }
  return error;
}
