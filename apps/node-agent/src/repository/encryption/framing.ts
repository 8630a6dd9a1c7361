import { hkdfSync, randomBytes } from 'node:crypto';
import { EncryptionKey, KEY_BYTES, KEY_ID_BYTES } from './encryption-key';

/**
 * The on-storage format of a client-side encrypted object (docs/design.md, "Client-side encryption"):
 *
 *   header (50 bytes) | chunk 0 | chunk 1 | … | chunk n (final)
 *   header = magic "DAEC" (4) | version 1 (1) | flags 0 (1) | chunk size, uint32 BE (4) | key id (8) | salt (32)
 *   chunk  = AES-256-GCM ciphertext of `chunk size` plaintext bytes (the final one: 0 to chunk size) | tag (16)
 *
 * Each object has its own data key and nonce prefix, HKDF-SHA256(master key, salt, "daedalus cse v1"), so nonces
 * never repeat across objects; a chunk's nonce is prefix (4) | chunk index, uint56 BE (7) | final flag (1). The
 * whole header is every chunk's additional data. So a changed header, a changed, swapped or dropped chunk, and a
 * stream cut at any point (the chunk before the cut was not sealed as final) all fail authentication.
 */
export const MAGIC = Buffer.from('DAEC', 'ascii');
export const FORMAT_VERSION = 1;
export const SALT_BYTES = 32;
export const TAG_BYTES = 16;
export const HEADER_BYTES = MAGIC.length + 1 + 1 + 4 + KEY_ID_BYTES + SALT_BYTES;
/** Plaintext bytes per chunk: small enough for flat memory per stream, large enough that tags cost 0.02 %. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
/** Chunk sizes a reader accepts: a hostile header cannot make it buffer more than MAX_CHUNK_BYTES. */
export const MIN_CHUNK_BYTES = 1024;
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
/** The name of this format in manifests. */
export const ENCRYPTION_SCHEME = 'daedalus-aes-256-gcm-chunked/1';

const HKDF_INFO = Buffer.from('daedalus cse v1', 'ascii');
const NONCE_PREFIX_BYTES = 4;
const MAX_CHUNK_INDEX = 2 ** 53 - 1;

export interface FrameHeader {
  version: number;
  chunkBytes: number;
  keyId: string;
  salt: Buffer;
  /** the header's bytes as stored: the additional data of every chunk */
  raw: Buffer;
}

/** What seals or opens the chunks of one object. */
export interface ObjectCipher {
  dataKey: Buffer;
  noncePrefix: Buffer;
  aad: Buffer;
}

export function newHeader(key: EncryptionKey, chunkBytes = DEFAULT_CHUNK_BYTES): FrameHeader {
  if (!Number.isInteger(chunkBytes) || chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) {
    throw new Error(`chunk size ${chunkBytes} is outside ${MIN_CHUNK_BYTES}..${MAX_CHUNK_BYTES}`);
  }
  const salt = randomBytes(SALT_BYTES);
  const raw = Buffer.alloc(HEADER_BYTES);
  let at = MAGIC.copy(raw, 0);
  at = raw.writeUInt8(FORMAT_VERSION, at);
  at = raw.writeUInt8(0, at);
  at = raw.writeUInt32BE(chunkBytes, at);
  at += Buffer.from(key.id, 'hex').copy(raw, at);
  salt.copy(raw, at);
  return { version: FORMAT_VERSION, chunkBytes, keyId: key.id, salt, raw };
}

/** Reads a header, or says what is wrong with it. */
export function parseHeader(raw: Buffer): { header: FrameHeader } | { error: string } {
  if (raw.length < HEADER_BYTES) return { error: `it ends inside its ${HEADER_BYTES}-byte header (${raw.length} bytes)` };
  if (!raw.subarray(0, MAGIC.length).equals(MAGIC)) return { error: 'it does not start with the encrypted-object magic "DAEC"' };
  let at = MAGIC.length;
  const version = raw.readUInt8(at++);
  if (version !== FORMAT_VERSION) return { error: `it has format version ${version}; this build reads ${FORMAT_VERSION}` };
  const flags = raw.readUInt8(at++);
  if (flags !== 0) return { error: `its header has unknown flags ${flags}` };
  const chunkBytes = raw.readUInt32BE(at);
  at += 4;
  if (chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) {
    return { error: `its chunk size ${chunkBytes} is outside ${MIN_CHUNK_BYTES}..${MAX_CHUNK_BYTES}` };
  }
  const keyId = raw.subarray(at, at + KEY_ID_BYTES).toString('hex');
  at += KEY_ID_BYTES;
  const salt = Buffer.from(raw.subarray(at, at + SALT_BYTES));
  return { header: { version, chunkBytes, keyId, salt, raw: Buffer.from(raw.subarray(0, HEADER_BYTES)) } };
}

export function objectCipher(key: EncryptionKey, header: FrameHeader): ObjectCipher {
  const derived = Buffer.from(hkdfSync('sha256', key.material(), header.salt, HKDF_INFO, KEY_BYTES + NONCE_PREFIX_BYTES));
  return { dataKey: derived.subarray(0, KEY_BYTES), noncePrefix: derived.subarray(KEY_BYTES), aad: header.raw };
}

/** prefix (4) | chunk index, uint56 BE (7) | 1 for the final chunk, else 0 (1) */
export function chunkNonce(cipher: ObjectCipher, index: number, final: boolean): Buffer {
  if (!Number.isSafeInteger(index) || index < 0 || index > MAX_CHUNK_INDEX) throw new Error(`chunk index ${index} out of range`);
  const nonce = Buffer.alloc(12);
  cipher.noncePrefix.copy(nonce, 0);
  nonce.writeUIntBE(Math.floor(index / 2 ** 48), 4, 1);
  nonce.writeUIntBE(index % 2 ** 48, 5, 6);
  nonce.writeUInt8(final ? 1 : 0, 11);
  return nonce;
}

/** The stored size of `plaintextBytes` encrypted: header, and a tag per chunk (an empty object has one empty final chunk). */
export function encryptedSize(plaintextBytes: number, chunkBytes = DEFAULT_CHUNK_BYTES): number {
  const chunks = Math.max(1, Math.ceil(plaintextBytes / chunkBytes));
  return HEADER_BYTES + plaintextBytes + chunks * TAG_BYTES;
}
