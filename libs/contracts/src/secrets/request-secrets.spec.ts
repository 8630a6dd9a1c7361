import { randomBytes } from 'node:crypto';
import { newOperationRecord } from '../operation-record';
import { BackupRequest } from '../requests/backup-restore';
import { parseOperationRequest } from '../requests/registry';
import {
  openRequestSecrets,
  REDACTED,
  redactRecordSecrets,
  redactRequestSecrets,
  sealRequestSecrets,
  secretsIn,
  unsealedSecretProblems,
} from './request-secrets';
import { SecretKeyring } from './sealed-secret';

const OP = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const OTHER_OP = '7f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const PROBES = { password: 'pw-probe-4f1b9c', username: 'user-probe-77aa01', kms: 'arn:aws:kms:eu-west-1:1:key/probe-0c3d' };

const body = () => ({
  type: 'backup',
  storageLocation: 's3://bucket',
  kmsKeyId: PROBES.kms,
  proxySettings: {
    useProxy: true,
    proxyHost: 'proxy.local',
    proxyPort: 3128,
    proxyUsername: PROBES.username,
    proxyPassword: PROBES.password,
  },
});

describe('secrets in requests', () => {
  const keyring = new SecretKeyring([randomBytes(32)]);

  function sealed(): BackupRequest {
    const request = parseOperationRequest(body()) as BackupRequest;
    expect(sealRequestSecrets(request, OP, keyring)).toEqual([]);
    return request;
  }

  it('the gateway seals every secret in place; the sealed request is still a valid request', () => {
    const request = sealed();
    const text = JSON.stringify(request);
    for (const probe of Object.values(PROBES)) expect(text).not.toContain(probe);
    expect(secretsIn(request).map((s) => s.field)).toEqual(['kmsKeyId', 'proxySettings.proxyUsername', 'proxySettings.proxyPassword']);
    expect(secretsIn(request).every((s) => s.value.startsWith('sealed:v1:'))).toBe(true);
    // what coordinators validate: the sealed form passes the DTO (longer than the plain limit allows) and the check
    const reparsed = parseOperationRequest(JSON.parse(text));
    expect(unsealedSecretProblems(reparsed)).toEqual([]);
    expect(request.proxySettings?.proxyHost).toBe('proxy.local');
  });

  it('the sealed DTO still bounds the length of a secret, sealed or not', () => {
    const tooLong = { ...body(), proxySettings: { proxyPassword: 'x'.repeat(257) } };
    expect(() => parseOperationRequest(tooLong)).toThrow(/proxyPassword must be a string of at most 256 characters/);
    const longSeal = { ...body(), proxySettings: { proxyPassword: `sealed:v1:${'0'.repeat(16)}:${'A'.repeat(5000)}` } };
    expect(() => parseOperationRequest(longSeal)).toThrow(/proxyPassword/);
  });

  it('a gateway without a key refuses a request carrying a secret, naming each field', () => {
    const request = parseOperationRequest(body());
    const errors = sealRequestSecrets(request, OP, undefined);
    expect(errors.map((e) => e.field)).toEqual(['kmsKeyId', 'proxySettings.proxyUsername', 'proxySettings.proxyPassword']);
    expect(errors[0].message).toMatch(/kmsKeyId: this gateway has no request secrets key \(--request-secrets-key-file\)/);
    // a request without secrets needs no key
    expect(sealRequestSecrets(parseOperationRequest({ type: 'backup', storageLocation: 's3://b' }), OP, undefined)).toEqual([]);
    expect(JSON.stringify(errors)).not.toContain(PROBES.password);
  });

  it('the gateway refuses a value already sealed, or the redaction marker, and changes nothing', () => {
    const request = parseOperationRequest({
      ...body(),
      kmsKeyId: keyring.seal(PROBES.kms, 'x'),
      proxySettings: { ...body().proxySettings, proxyPassword: REDACTED },
    });
    const errors = sealRequestSecrets(request, OP, keyring);
    expect(errors.map((e) => e.message)).toEqual([
      'kmsKeyId: send the secret itself (the gateway seals it), not a sealed value',
      'proxySettings.proxyPassword: [redacted] is what views show in place of a secret, not a value',
    ]);
    expect((request as BackupRequest).proxySettings?.proxyPassword).toBe(REDACTED);
  });

  it('coordinators refuse a plain secret and a malformed envelope, naming the field', () => {
    const plain = parseOperationRequest(body());
    expect(unsealedSecretProblems(plain).map((e) => e.message)).toEqual([
      'kmsKeyId: secrets must be sealed (submit through the gateway, or seal with the request secrets key)',
      'proxySettings.proxyUsername: secrets must be sealed (submit through the gateway, or seal with the request secrets key)',
      'proxySettings.proxyPassword: secrets must be sealed (submit through the gateway, or seal with the request secrets key)',
    ]);
    const malformed = parseOperationRequest({ type: 'backup', storageLocation: 's3://b', kmsKeyId: 'sealed:v1:zz' });
    expect(unsealedSecretProblems(malformed)).toEqual([
      { field: 'kmsKeyId', message: 'kmsKeyId: not a well-formed sealed value (sealed:v1:<keyId>:<base64url>)' },
    ]);
  });

  it('the agent opens every secret in place and reports the plain values', () => {
    const request = parseOperationRequest(JSON.parse(JSON.stringify(sealed()))) as BackupRequest;
    const { errors, opened } = openRequestSecrets(request, OP, keyring);
    expect(errors).toEqual([]);
    expect(opened.sort()).toEqual(Object.values(PROBES).sort());
    expect(request.kmsKeyId).toBe(PROBES.kms);
    expect(request.proxySettings?.proxyUsername).toBe(PROBES.username);
    expect(request.proxySettings?.proxyPassword).toBe(PROBES.password);
  });

  it('the agent refuses, changing nothing: another operation, another key, no key, a plain value, an altered envelope', () => {
    const wire = JSON.stringify(sealed());
    const fresh = () => parseOperationRequest(JSON.parse(wire)) as BackupRequest;
    const cases: Array<[string, () => ReturnType<typeof openRequestSecrets>, RegExp]> = [
      ['another operation', () => openRequestSecrets(fresh(), OTHER_OP, keyring), /does not authenticate/],
      ['another key', () => openRequestSecrets(fresh(), OP, new SecretKeyring([randomBytes(32)])), /which this service does not hold/],
      ['no key', () => openRequestSecrets(fresh(), OP, undefined), /this agent has no request secrets key/],
      ['plain', () => openRequestSecrets(parseOperationRequest(body()), OP, keyring), /secrets must be sealed/],
    ];
    for (const [name, open, message] of cases) {
      const { errors, opened } = open();
      expect([name, errors.length]).toEqual([name, 3]);
      expect(errors[0].message).toMatch(message);
      expect(opened).toEqual([]);
      for (const probe of Object.values(PROBES)) expect(JSON.stringify(errors)).not.toContain(probe);
    }
    const altered = fresh();
    const envelope = altered.proxySettings?.proxyPassword ?? '';
    altered.proxySettings = { ...altered.proxySettings, proxyPassword: `${envelope.slice(0, -2)}${envelope.endsWith('A') ? 'B' : 'A'}` };
    const result = openRequestSecrets(altered, OP, keyring);
    expect(result.errors).toEqual([
      {
        field: 'proxySettings.proxyPassword',
        message: 'proxySettings.proxyPassword: the sealed value does not authenticate (altered, or sealed for another operation or field)',
      },
    ]);
    // nothing opened when one field fails: the request is not run
    expect(altered.kmsKeyId?.startsWith('sealed:v1:')).toBe(true);
  });

  it('redaction copies: views and announcements show the marker, the record keeps its sealed values', () => {
    const request = sealed();
    const record = newOperationRecord(OP, request, new Date(), '1.0');
    const redacted = redactRecordSecrets(record);
    expect((redacted.request as BackupRequest).kmsKeyId).toBe(REDACTED);
    expect((redacted.request as BackupRequest).proxySettings).toEqual({
      useProxy: true,
      proxyHost: 'proxy.local',
      proxyPort: 3128,
      proxyUsername: REDACTED,
      proxyPassword: REDACTED,
    });
    expect((record.request as BackupRequest).proxySettings?.proxyPassword?.startsWith('sealed:v1:')).toBe(true);
    // a plain body (a direct client's refused request) is redacted the same way; one without secrets is returned as is
    expect(JSON.stringify(redactRequestSecrets(body()))).not.toMatch(/probe/);
    const plainBody = { type: 'flush', keyspace: 'ks' };
    expect(redactRequestSecrets(plainBody)).toBe(plainBody);
    expect(redactRecordSecrets(newOperationRecord(OP, parseOperationRequest(plainBody), new Date(), '1.0')).request).toEqual(
      expect.objectContaining({ type: 'flush' }),
    );
  });
});
