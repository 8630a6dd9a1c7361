import { redactSecrets } from './errors';
import { isRequestedKey, unsupportedFeature } from './features';
import { nameWithKey } from './providers/common';
import { proxyUrl } from './providers/proxy-agents';

describe('storage features', () => {
  it('says which provider cannot honour what', () => {
    expect(unsupportedFeature('s3', 'kmsKeyId')).toBeUndefined();
    expect(unsupportedFeature('s3', 'proxySettings')).toBeUndefined();
    expect(unsupportedFeature('gcp', 'kmsKeyId')).toBeUndefined();
    expect(unsupportedFeature('azure', 'proxySettings')).toBeUndefined();
    expect(unsupportedFeature('azure', 'kmsKeyId')).toMatch(/^the azure provider cannot /);
    expect(unsupportedFeature('gcp', 'proxySettings')).toMatch(/^the gcp provider cannot /);
    expect(unsupportedFeature('file', 'kmsKeyId')).toMatch(/^the file provider cannot /);
    expect(unsupportedFeature('file', 'proxySettings')).toMatch(/^the file provider cannot /);
  });

  it.each([
    // S3 echoes the key's ARN for a key id or an ARN; an alias cannot be compared
    ['1234abcd', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd', true],
    ['arn:aws:kms:eu-west-1:111122223333:key/1234abcd', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd', true],
    ['1234abcd', 'arn:aws:kms:eu-west-1:111122223333:key/9999', false],
    ['alias/backups', 'arn:aws:kms:eu-west-1:111122223333:key/9999', true],
    ['alias/backups', undefined, false],
    // GCS reports the key with its version
    ['projects/p/locations/l/keyRings/r/cryptoKeys/k', 'projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/3', true],
    ['projects/p/locations/l/keyRings/r/cryptoKeys/k', 'projects/p/locations/l/keyRings/r/cryptoKeys/k2/cryptoKeyVersions/1', false],
    ['1234abcd', undefined, false],
  ])('is %s the key the store reported (%s)? %s', (requested, reported, expected) => {
    expect(isRequestedKey(requested, reported)).toBe(expected);
  });

  it('names a backend with a key by a fingerprint, never the key', () => {
    const name = nameWithKey('s3://b', 'secret-key-id');
    expect(name).toMatch(/^s3:\/\/b \(kms [0-9a-f]{8}\)$/);
    expect(name).not.toContain('secret-key-id');
    expect(nameWithKey('s3://b', 'another')).not.toBe(name);
    expect(nameWithKey('s3://b', undefined)).toBe('s3://b');
  });

  it('builds the proxy URL with credentials encoded so that any character survives', () => {
    const url = proxyUrl({ protocol: 'http', host: '10.0.0.1', port: 3128, username: 'svc@corp', password: 'p:a%ss/@#' });
    expect(`${url.protocol}//${url.hostname}:${url.port}`).toBe('http://10.0.0.1:3128');
    expect(decodeURIComponent(url.username)).toBe('svc@corp');
    expect(decodeURIComponent(url.password)).toBe('p:a%ss/@#');
    expect(proxyUrl({ protocol: 'https', host: 'proxy', port: 443 }).username).toBe('');
  });

  it('redacts the user info of any URL in a storage error message', () => {
    const text = redactSecrets('tunnel via http://svc:pr0xy-pass@10.0.0.1:3128 failed');
    expect(text).not.toContain('pr0xy-pass');
    expect(text).toContain('http://<redacted>@10.0.0.1:3128');
  });
});
