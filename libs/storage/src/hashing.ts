/**
 * Streaming integrity helpers: hash and count bytes as they pass, and fail a stream (instead of
 * letting it end cleanly) when the bytes do not match what was expected.
 */
import { createHash, Hash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { ExpectedContent } from './backend';
import { IntegrityError, StorageErrorDetails } from './errors';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

/**
 * Passes bytes through unchanged while hashing and counting them. When `expected` is given the
 * stream errors with IntegrityError as soon as more bytes than expected arrive, or at the end if the
 * size or hash differ, so the consumer never sees a clean end for wrong content.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private digest: string | undefined;

  private readonly hashing: boolean;
  private held: Buffer | undefined;

  /**
   * `hashAlways`: compute sha256 even when no hash is expected (put needs it for its result).
   * `holdLast`: keep the latest chunk back until the next arrives, and the final one until the check
   * passed — so an upload reading from this stream can never send its last byte (and let the store
   * commit the object) before a size or hash mismatch is known.
   */
  constructor(
    private readonly expected: ExpectedContent | undefined,
    private readonly details: StorageErrorDetails,
    hashAlways = true,
    private readonly holdLast = false,
  ) {
    super();
    this.hashing = hashAlways || expected?.sha256 !== undefined;
    if (expected?.sha256 !== undefined && !isSha256Hex(expected.sha256)) {
      throw new IntegrityError(`expected sha256 is not 64 lowercase hex characters`, details, expected, { size: 0 });
    }
  }

  // Deliberately not named `size`/`length`: upload SDKs (lib-storage) read those as the body length.
  get byteCount(): number {
    return this.bytes;
  }

  /** Hex sha256 of everything that passed; available once the stream has flushed. */
  get digestHex(): string {
    if (this.digest === undefined) throw new Error('sha256 is only known after the stream ended');
    return this.digest;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    const limit = this.expected?.size;
    if (limit !== undefined && this.bytes > limit) {
      callback(this.mismatch(`got more than the expected ${limit} bytes`));
      return;
    }
    if (this.hashing) this.hash.update(chunk);
    if (!this.holdLast) {
      callback(null, chunk);
      return;
    }
    const previous = this.held;
    this.held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    if (this.hashing) this.digest = this.hash.digest('hex');
    const expected = this.expected;
    if (expected?.size !== undefined && this.bytes !== expected.size) {
      callback(this.mismatch(`got ${this.bytes} bytes, expected ${expected.size}`));
      return;
    }
    if (expected?.sha256 !== undefined && this.digest !== expected.sha256) {
      callback(this.mismatch(`sha256 ${this.digest} does not match expected ${expected.sha256}`));
      return;
    }
    callback(null, this.held);
    this.held = undefined;
  }

  private mismatch(what: string): IntegrityError {
    const subject = this.details.key === undefined ? '' : ` for ${JSON.stringify(this.details.key)}`;
    return new IntegrityError(`${this.details.provider}: integrity check failed${subject}: ${what}`, this.details, this.expected ?? {}, {
      size: this.bytes,
      sha256: this.digest,
    });
  }
}
