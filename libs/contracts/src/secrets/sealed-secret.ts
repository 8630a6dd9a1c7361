import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';

/**
 * A secret sealed for the services that hold the request secrets key (gateways and node agents):
 * `sealed:v1:<keyId>:<base64url(iv ‖ ciphertext ‖ tag)>`, AES-256-GCM. The format is part of the protocol: a
 * direct NATS client that holds the key seals the same way (docs/design.md, "Secrets in requests").
 */
export const SEALED_PREFIX = 'sealed:v1:';

export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_HEX = 16;
const ENVELOPE = /^sealed:v1:([0-9a-f]{16}):([A-Za-z0-9_-]+)$/;

export type SealedSecretProblem = 'malformed' | 'unknown-key' | 'tampered';

/** A sealed value that cannot be opened. The message never quotes the value. */
export class SealedSecretError extends Error {
  constructor(
    readonly problem: SealedSecretProblem,
    message: string,
  ) {
    super(message);
    this.name = 'SealedSecretError';
  }
}

export function isSealedSecret(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}

/** The longest envelope a secret of `maxChars` UTF-16 units can seal to (each unit at most 3 UTF-8 bytes). */
export function maxSealedLength(maxChars: number): number {
  const bytes = IV_BYTES + maxChars * 3 + TAG_BYTES;
  return SEALED_PREFIX.length + KEY_ID_HEX + 1 + Math.ceil((bytes * 4) / 3);
}

/** What request rules need from a keyring: seal and open one value, bound to a context (operation and field). */
export interface SecretSealer {
  seal(plain: string, context: string): string;
  open(envelope: string, context: string): string;
}

interface DerivedKey {
  id: string;
  encryption: Buffer;
  nonce: Buffer;
}

function derive(master: Buffer): DerivedKey {
  const expand = (info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, SECRET_KEY_BYTES));
  return {
    // identifies the key without revealing it (a hash of a derived value, not of the key itself)
    id: createHash('sha256').update(expand('daedalus request secrets v1: key id')).digest('hex').slice(0, KEY_ID_HEX),
    encryption: expand('daedalus request secrets v1: encryption'),
    nonce: expand('daedalus request secrets v1: nonce'),
  };
}

/**
 * The request secrets keys of one service: the first seals, all open (so a key can be rotated: add the new one
 * first everywhere, then drop the old once no unfinished operation uses it).
 *
 * Sealing is deterministic: the nonce is an HMAC of the context and the secret (SIV-style), so the same secret
 * in the same operation seals to the same envelope — a repeated submission equals the first, and a nonce is
 * only ever reused with the same plaintext. The cost: equal envelopes show equal secrets within one operation
 * and field, which the context already confines. The context is authenticated too: an envelope copied into
 * another operation or field does not open.
 */
export class SecretKeyring implements SecretSealer {
  private readonly keys: DerivedKey[];

  constructor(masterKeys: readonly Buffer[]) {
    if (masterKeys.length === 0) throw new Error('a keyring needs at least one key');
    for (const key of masterKeys) {
      if (key.length !== SECRET_KEY_BYTES) throw new Error(`a request secrets key is ${SECRET_KEY_BYTES} bytes, not ${key.length}`);
    }
    this.keys = masterKeys.map(derive);
  }

  /** the id envelopes sealed now carry */
  get keyId(): string {
    return this.keys[0].id;
  }

  get keyIds(): string[] {
    return this.keys.map((key) => key.id);
  }

  seal(plain: string, context: string): string {
    const key = this.keys[0];
    const iv = createHmac('sha256', key.nonce).update(context).update('\0').update(plain, 'utf8').digest().subarray(0, IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.encryption, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${SEALED_PREFIX}${key.id}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  open(envelope: string, context: string): string {
    const match = ENVELOPE.exec(envelope);
    if (!match) throw new SealedSecretError('malformed', `not a sealed value (${SEALED_PREFIX}<keyId>:<base64url>)`);
    const key = this.keys.find((candidate) => candidate.id === match[1]);
    if (!key) {
      throw new SealedSecretError(
        'unknown-key',
        `sealed with key ${match[1]}, which this service does not hold (it holds ${this.keyIds.join(', ')})`,
      );
    }
    const raw = Buffer.from(match[2], 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SealedSecretError('malformed', 'the sealed value is too short');
    const decipher = createDecipheriv('aes-256-gcm', key.encryption, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SealedSecretError('tampered', 'the sealed value does not authenticate (altered, or sealed for another operation or field)');
    }
  }
}
