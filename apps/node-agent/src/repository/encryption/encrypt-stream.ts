import { createCipheriv, createHash, Hash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { ByteQueue } from './byte-queue';
import { EncryptionKey } from './encryption-key';
import { chunkNonce, DEFAULT_CHUNK_BYTES, FrameHeader, newHeader, ObjectCipher, objectCipher, TAG_BYTES } from './framing';

/** Seals one chunk with AES-256-GCM: ciphertext followed by its 16-byte tag. */
export function sealChunk(cipher: ObjectCipher, index: number, final: boolean, plaintext: Buffer): Buffer {
  const gcm = createCipheriv('aes-256-gcm', cipher.dataKey, chunkNonce(cipher, index, final), { authTagLength: TAG_BYTES });
  gcm.setAAD(cipher.aad);
  const body = gcm.update(plaintext);
  const rest = gcm.final();
  return Buffer.concat([body, rest, gcm.getAuthTag()]);
}

/**
 * Plaintext in, the encrypted object out (framing.ts), holding at most one chunk of plaintext. A full chunk is
 * sealed only once more bytes arrive, because the last chunk is sealed as final. Hashes and counts the
 * plaintext on the way, so an upload learns the plaintext's sha256 without reading the file twice.
 */
export class EncryptStream extends Transform {
  readonly header: FrameHeader;
  private readonly cipher: ObjectCipher;
  private readonly pending = new ByteQueue();
  private readonly hash: Hash = createHash('sha256');
  private plaintextBytes = 0;
  private index = 0;
  private headerSent = false;
  private digest: string | undefined;

  constructor(key: EncryptionKey, chunkBytes = DEFAULT_CHUNK_BYTES) {
    super();
    this.header = newHeader(key, chunkBytes);
    this.cipher = objectCipher(key, this.header);
  }

  get plaintextSize(): number {
    return this.plaintextBytes;
  }

  /** sha256 (hex) of the plaintext; known once the stream has flushed. */
  get plaintextSha256(): string {
    if (this.digest === undefined) throw new Error('the plaintext sha256 is only known after the stream ended');
    return this.digest;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.sendHeader();
    this.hash.update(chunk);
    this.plaintextBytes += chunk.length;
    this.pending.push(chunk);
    const size = this.header.chunkBytes;
    while (this.pending.length > size) this.push(sealChunk(this.cipher, this.index++, false, this.pending.take(size)));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.sendHeader();
    this.digest = this.hash.digest('hex');
    callback(null, sealChunk(this.cipher, this.index++, true, this.pending.takeAll()));
  }

  private sendHeader(): void {
    if (this.headerSent) return;
    this.headerSent = true;
    this.push(this.header.raw);
  }
}
