import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';

/** AES-256: the key is 32 bytes. */
export const KEY_BYTES = 32;
/** Bytes of HMAC-SHA256(key, KEY_ID_LABEL) that name a key: enough to tell keys apart, nothing about the key. */
export const KEY_ID_BYTES = 8;
const KEY_ID_LABEL = 'daedalus-key-id';

/**
 * The agent's client-side encryption key. Only its fingerprint (`id`) ever leaves this object: the key is kept
 * in a private field, and printing or serialising the object shows the fingerprint alone, so a log line or a
 * record that happens to include it cannot leak the key.
 */
export class EncryptionKey {
  /** 16 hex characters: the first KEY_ID_BYTES of HMAC-SHA256(key, "daedalus-key-id") */
  readonly id: string;
  readonly #material: Buffer;

  private constructor(material: Buffer) {
    this.#material = Buffer.from(material);
    this.id = createHmac('sha256', this.#material).update(KEY_ID_LABEL).digest().subarray(0, KEY_ID_BYTES).toString('hex');
  }

  static fromBytes(bytes: Buffer): EncryptionKey {
    if (bytes.length !== KEY_BYTES) throw new Error(`an encryption key is ${KEY_BYTES} bytes, not ${bytes.length}`);
    return new EncryptionKey(bytes);
  }

  /**
   * Reads a key as an operator writes it: 64 hex characters, base64 of 32 bytes, or (from a file) exactly 32
   * raw bytes. Surrounding whitespace (a trailing newline) is ignored. The error never repeats the input.
   */
  static parse(content: Buffer): EncryptionKey {
    if (content.length === KEY_BYTES) return EncryptionKey.fromBytes(content);
    const text = content.toString('utf8').trim();
    if (/^[0-9a-fA-F]{64}$/.test(text)) return EncryptionKey.fromBytes(Buffer.from(text, 'hex'));
    if (/^[A-Za-z0-9+/_-]{42,43}={0,2}$/.test(text)) {
      const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
      if (bytes.length === KEY_BYTES) return EncryptionKey.fromBytes(bytes);
    }
    throw new Error(`an encryption key must be ${KEY_BYTES} bytes: 64 hex characters, base64, or the raw bytes in a file`);
  }

  /** The key itself, for the cipher code in this directory only. */
  material(): Buffer {
    return this.#material;
  }

  toJSON(): { keyId: string } {
    return { keyId: this.id };
  }

  toString(): string {
    return `EncryptionKey(${this.id})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
