import { randomBytes } from 'node:crypto';
import { isSealedSecret, maxSealedLength, SealedSecretError, SecretKeyring } from './sealed-secret';

const CONTEXT = 'daedalus/6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d/proxySettings.proxyPassword';

function problemOf(open: () => unknown): string {
  try {
    open();
  } catch (error) {
    if (error instanceof SealedSecretError) return error.problem;
    throw error;
  }
  return 'opened';
}

describe('SecretKeyring', () => {
  const key = randomBytes(32);
  const keyring = new SecretKeyring([key]);

  it('seals to an envelope that does not contain the secret, and opens it again', () => {
    const envelope = keyring.seal('hunter2-päss ✓', CONTEXT);
    expect(envelope).toMatch(/^sealed:v1:[0-9a-f]{16}:[A-Za-z0-9_-]+$/);
    expect(envelope).not.toContain('hunter2');
    expect(envelope.split(':')[2]).toBe(keyring.keyId);
    expect(isSealedSecret(envelope)).toBe(true);
    expect(keyring.open(envelope, CONTEXT)).toBe('hunter2-päss ✓');
  });

  it('seals the same secret in the same context to the same envelope, and differently elsewhere', () => {
    expect(keyring.seal('s3cret', CONTEXT)).toBe(keyring.seal('s3cret', CONTEXT));
    expect(keyring.seal('s3cret', CONTEXT)).not.toBe(keyring.seal('s3cret', `${CONTEXT}x`));
    expect(keyring.seal('s3cret', CONTEXT)).not.toBe(keyring.seal('s3cres', CONTEXT));
    // another keyring with the same key seals alike: every gateway of a deployment agrees
    expect(new SecretKeyring([Buffer.from(key)]).seal('s3cret', CONTEXT)).toBe(keyring.seal('s3cret', CONTEXT));
  });

  it('refuses an envelope moved to another operation or field', () => {
    const envelope = keyring.seal('s3cret', CONTEXT);
    expect(problemOf(() => keyring.open(envelope, CONTEXT.replace('proxyPassword', 'proxyUsername')))).toBe('tampered');
    expect(problemOf(() => keyring.open(envelope, CONTEXT.replace('6f1c', '7f1c')))).toBe('tampered');
  });

  it('refuses a tampered envelope: any byte changed, cut short or lengthened', () => {
    const envelope = keyring.seal('a secret of some length', CONTEXT);
    const [prefix, version, keyId, body] = envelope.split(':');
    const raw = Buffer.from(body, 'base64url');
    for (const index of [0, 11, 12, 20, raw.length - 1]) {
      const altered = Buffer.from(raw);
      altered[index] ^= 0x01;
      expect(problemOf(() => keyring.open(`${prefix}:${version}:${keyId}:${altered.toString('base64url')}`, CONTEXT))).toBe('tampered');
    }
    const short = raw.subarray(0, raw.length - 1).toString('base64url');
    expect(problemOf(() => keyring.open(`${prefix}:${version}:${keyId}:${short}`, CONTEXT))).toBe('tampered');
    const tiny = raw.subarray(0, 20).toString('base64url');
    expect(problemOf(() => keyring.open(`${prefix}:${version}:${keyId}:${tiny}`, CONTEXT))).toBe('malformed');
  });

  it('refuses an envelope of another key, naming key ids only', () => {
    const other = new SecretKeyring([randomBytes(32)]);
    const envelope = other.seal('s3cret', CONTEXT);
    expect(problemOf(() => keyring.open(envelope, CONTEXT))).toBe('unknown-key');
    try {
      keyring.open(envelope, CONTEXT);
    } catch (error) {
      expect((error as Error).message).toContain(other.keyId);
      expect((error as Error).message).not.toContain(key.toString('base64'));
    }
  });

  it('forging the key id does not help: the envelope must authenticate under that key', () => {
    const other = new SecretKeyring([randomBytes(32)]);
    const forged = other.seal('s3cret', CONTEXT).replace(other.keyId, keyring.keyId);
    expect(problemOf(() => keyring.open(forged, CONTEXT))).toBe('tampered');
  });

  it('opens envelopes of every key it holds and seals with the first (rotation)', () => {
    const old = new SecretKeyring([key]);
    const rotated = new SecretKeyring([randomBytes(32), key]);
    expect(rotated.open(old.seal('s3cret', CONTEXT), CONTEXT)).toBe('s3cret');
    expect(rotated.keyId).not.toBe(old.keyId);
    expect(problemOf(() => old.open(rotated.seal('s3cret', CONTEXT), CONTEXT))).toBe('unknown-key');
  });

  it('refuses what is no envelope', () => {
    for (const value of ['', 's3cret', 'sealed:v1:', 'sealed:v1:xyz:abc', `sealed:v1:${keyring.keyId}:not base64!`]) {
      expect(problemOf(() => keyring.open(value, CONTEXT))).toBe('malformed');
    }
  });

  it('refuses keys that are not 32 bytes, and an empty keyring', () => {
    expect(() => new SecretKeyring([randomBytes(16)])).toThrow(/32 bytes/);
    expect(() => new SecretKeyring([])).toThrow(/at least one key/);
  });

  it('bounds the envelope of the longest secret a field allows', () => {
    for (const secret of ['x'.repeat(256), '€'.repeat(256), '😀'.repeat(128)]) {
      expect(keyring.seal(secret, CONTEXT).length).toBeLessThanOrEqual(maxSealedLength(256));
    }
  });
});
