import { createDecipheriv, createHash, Hash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { ByteQueue } from './byte-queue';
import { EncryptionKey } from './encryption-key';
import { EncryptedObjectError, EncryptionKeyMismatchError } from './errors';
import { chunkNonce, FrameHeader, HEADER_BYTES, ObjectCipher, objectCipher, parseHeader, TAG_BYTES } from './framing';

/** Opens one chunk; undefined when it fails authentication (changed, moved, or sealed with the other final flag). */
function openChunk(cipher: ObjectCipher, index: number, final: boolean, sealed: Buffer): Buffer | undefined {
  const gcm = createDecipheriv('aes-256-gcm', cipher.dataKey, chunkNonce(cipher, index, final), { authTagLength: TAG_BYTES });
  gcm.setAAD(cipher.aad);
  gcm.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const body = gcm.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([body, gcm.final()]);
  } catch {
    return undefined;
  }
}

export interface DecryptOptions {
  /** names the object in errors (its key) */
  object: string;
  /** the plaintext's size and sha256 from the manifest: checked too, the size as bytes flow and the hash at the end */
  expected?: { size?: number; sha256?: string };
}

/**
 * The encrypted object in, its plaintext out. Nothing leaves before its chunk is authenticated, and the stream
 * fails instead of ending when the object was cut short, had chunks swapped, dropped or changed, or was sealed
 * with another key (which the header's key id tells before any decryption). Holds at most one sealed chunk
 * plus the bytes that arrived with it.
 */
export class DecryptStream extends Transform {
  private readonly pending = new ByteQueue();
  private readonly hash: Hash = createHash('sha256');
  private header: FrameHeader | undefined;
  private cipher: ObjectCipher | undefined;
  private index = 0;
  private plaintextBytes = 0;

  constructor(
    private readonly key: EncryptionKey | undefined,
    private readonly options: DecryptOptions,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.pending.push(chunk);
      if (!this.cipher && this.pending.length >= HEADER_BYTES) this.start(this.pending.take(HEADER_BYTES));
      if (this.header && this.cipher) {
        const sealedBytes = this.header.chunkBytes + TAG_BYTES;
        // a full chunk is known not to be the last only once a byte after it arrived
        while (this.pending.length > sealedBytes) this.release(this.open(this.pending.take(sealedBytes), false));
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.cipher) {
        const found = parseHeader(this.pending.takeAll());
        throw this.broken('error' in found ? found.error : 'it ends after its header');
      }
      const rest = this.pending.takeAll();
      if (rest.length < TAG_BYTES) {
        const where = this.index === 0 ? 'its header' : `chunk ${this.index - 1}`;
        throw this.broken(`it ends ${rest.length === 0 ? 'right after' : 'inside the chunk after'} ${where}: truncated, no last chunk`);
      }
      const last = this.open(rest, true);
      this.count(last);
      const expected = this.options.expected?.size;
      if (expected !== undefined && this.plaintextBytes !== expected) {
        throw this.broken(`its plaintext is ${this.plaintextBytes} bytes, expected ${expected}`);
      }
      const digest = this.hash.digest('hex');
      const sha256 = this.options.expected?.sha256;
      if (sha256 !== undefined && digest !== sha256) throw this.broken(`its plaintext sha256 ${digest} does not match expected ${sha256}`);
      callback(null, last);
    } catch (error) {
      callback(error as Error);
    }
  }

  private start(raw: Buffer): void {
    const found = parseHeader(raw);
    if ('error' in found) throw this.broken(found.error);
    const { header } = found;
    const what = `object ${this.options.object}`;
    if (!this.key || this.key.id !== header.keyId) throw new EncryptionKeyMismatchError(header.keyId, this.key?.id, what);
    this.header = header;
    this.cipher = objectCipher(this.key, header);
  }

  private open(sealed: Buffer, final: boolean): Buffer {
    const cipher = this.cipher as ObjectCipher;
    const index = this.index++;
    const plaintext = openChunk(cipher, index, final, sealed);
    if (plaintext) return plaintext;
    // Say why when we can: a last chunk that opens as a middle one means the stream was cut at a chunk boundary.
    if (final && openChunk(cipher, index, false, sealed)) {
      throw this.broken(`it ends after chunk ${index}, which was not sealed as the last: truncated`);
    }
    throw this.broken(`chunk ${index} fails authentication: changed, reordered or cut short`);
  }

  private release(plaintext: Buffer): void {
    this.count(plaintext);
    this.push(plaintext);
  }

  private count(plaintext: Buffer): void {
    this.plaintextBytes += plaintext.length;
    this.hash.update(plaintext);
    const limit = this.options.expected?.size;
    if (limit !== undefined && this.plaintextBytes > limit) throw this.broken(`its plaintext is more than the expected ${limit} bytes`);
  }

  private broken(why: string): EncryptedObjectError {
    return new EncryptedObjectError(`encrypted object ${this.options.object} cannot be read: ${why}`);
  }
}
