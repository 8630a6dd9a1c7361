import { createHash, Hash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';

/** A compressed object whose bytes do not decompress to the file the manifest names. */
export class CompressedObjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompressedObjectError';
  }
}

/**
 * Passes bytes through, counting and hashing them; fails as soon as more than `expected.size` passed, and at the
 * end when the size or sha256 differ. A restore and a full verify put it after the decompressor: what was
 * checked is the file itself, not only the stored (compressed) bytes.
 */
export class ContentCheck extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;

  constructor(
    private readonly expected: { size: number; sha256: string },
    private readonly object: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.expected.size) {
      callback(this.broken(`it decompresses to more than the expected ${this.expected.size} bytes`));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes !== this.expected.size) {
      callback(this.broken(`it decompresses to ${this.bytes} bytes, expected ${this.expected.size}`));
      return;
    }
    const digest = this.hash.digest('hex');
    if (digest !== this.expected.sha256) {
      callback(this.broken(`its decompressed sha256 ${digest} does not match expected ${this.expected.sha256}`));
      return;
    }
    callback();
  }

  private broken(why: string): CompressedObjectError {
    return new CompressedObjectError(`compressed object ${this.object} cannot be read: ${why}`);
  }
}

/** Counts and hashes what passes (the file's bytes on their way into the compressor). */
export class ContentMeter extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private digest: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.digest = this.hash.digest('hex');
    callback();
  }

  /** size and sha256 of what passed; known once the stream ended */
  get content(): { size: number; sha256: string } {
    if (this.digest === undefined) throw new Error('the content sha256 is only known after the stream ended');
    return { size: this.bytes, sha256: this.digest };
  }
}
