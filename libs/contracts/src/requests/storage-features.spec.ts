import { parseOperationRequest, RequestValidationError } from './registry';

const SECRET = 'probe-secret-7f3a';
const PROXY = { useProxy: true, proxyHost: 'proxy.internal', proxyPort: 3128, proxyUsername: 'svc', proxyPassword: SECRET };

function fieldsRefused(body: Record<string, unknown>): string[] {
  try {
    parseOperationRequest(body);
  } catch (error) {
    if (!(error instanceof RequestValidationError)) throw error;
    // a refusal names the field and never repeats a secret's value
    expect(error.message).not.toContain(SECRET);
    return error.errors.map((e) => e.field);
  }
  return [];
}

const backup = (storageLocation: string, extra: Record<string, unknown>) => ({ type: 'backup', storageLocation, ...extra });
const NODE = 'cluster/dc1/0b7e3a4c-2f5d-4c1e-9a57-3d2c1b0a9f8e';

describe('storage fields take effect or are refused', () => {
  it('accepts kmsKeyId and proxySettings where the provider honours them', () => {
    expect(fieldsRefused(backup(`s3://b/${NODE}`, { kmsKeyId: SECRET, proxySettings: PROXY }))).toEqual([]);
    expect(fieldsRefused(backup(`gcp://b/${NODE}`, { kmsKeyId: 'projects/p/locations/l/keyRings/r/cryptoKeys/k' }))).toEqual([]);
    expect(fieldsRefused({ type: 'restore', storageLocation: `s3://b/${NODE}`, snapshotTag: 't', kmsKeyId: SECRET })).toEqual([]);
  });

  it.each([
    ['azure', `azure://c/${NODE}`, { kmsKeyId: SECRET }, 'kmsKeyId'],
    ['file', `file:///srv/backups/b/${NODE}`, { kmsKeyId: SECRET }, 'kmsKeyId'],
    ['gcp', `gcp://b/${NODE}`, { proxySettings: PROXY }, 'proxySettings'],
    ['file', `file:///srv/backups/b/${NODE}`, { proxySettings: PROXY }, 'proxySettings'],
  ])('refuses on %s: %j', (provider, location, extra, field) => {
    expect(fieldsRefused(backup(location, extra))).toEqual([field]);
    try {
      parseOperationRequest(backup(location, extra));
    } catch (error) {
      expect((error as Error).message).toContain(`the ${provider} provider cannot`);
    }
  });

  it('refuses them on every storage operation, e.g. a list, which has no use for a key on any provider', () => {
    expect(
      fieldsRefused({ type: 'list', storageLocation: 'azure://c', proxySettings: { useProxy: true, proxyHost: 'p', proxyPort: 1 } }),
    ).toEqual([]);
    expect(fieldsRefused({ type: 'list', storageLocation: 'gcp://c', proxySettings: PROXY })).toEqual(['proxySettings']);
    expect(fieldsRefused({ type: 'list', storageLocation: 's3://c', kmsKeyId: SECRET })).toEqual(['kmsKeyId']);
  });

  it('accepts proxySettings that ask for no proxy on any provider, and a proxy on azure', () => {
    expect(fieldsRefused(backup(`azure://c/${NODE}`, { proxySettings: PROXY }))).toEqual([]);
    expect(fieldsRefused(backup(`azure://c/${NODE}`, { proxySettings: { useProxy: false } }))).toEqual([]);
    expect(fieldsRefused(backup(`file:///srv/b/${NODE}`, { proxySettings: {} }))).toEqual([]);
  });

  it('refuses proxy settings that would be ignored or are incomplete', () => {
    expect(fieldsRefused(backup(`s3://b/${NODE}`, { proxySettings: { useProxy: false, proxyHost: 'p', proxyPort: 1 } }))).toEqual([
      'proxySettings.useProxy',
    ]);
    expect(fieldsRefused(backup(`s3://b/${NODE}`, { proxySettings: { useProxy: true } }))).toEqual([
      'proxySettings.proxyHost',
      'proxySettings.proxyPort',
    ]);
    expect(
      fieldsRefused(backup(`s3://b/${NODE}`, { proxySettings: { ...PROXY, proxyUsername: undefined, proxyProtocol: 'socks5' } })),
    ).toEqual(['proxySettings.proxyProtocol', 'proxySettings.proxyUsername']);
    expect(fieldsRefused(backup(`s3://b/${NODE}`, { proxySettings: { ...PROXY, proxyHost: 'a b/c' } }))).toEqual([
      'proxySettings.proxyHost',
    ]);
    expect(fieldsRefused(backup(`s3://b/${NODE}`, { proxySettings: { ...PROXY, proxyProtocol: 'HTTPS' } }))).toEqual([]);
  });

  it('accepts metadataDirective COPY and insecure false (what Daedalus does), refuses the others', () => {
    expect(fieldsRefused(backup(`s3://b/${NODE}`, { metadataDirective: 'copy', insecure: false }))).toEqual([]);
    expect(fieldsRefused(backup(`s3://b/${NODE}`, { metadataDirective: 'REPLACE' }))).toEqual(['metadataDirective']);
    expect(fieldsRefused(backup(`s3://b/${NODE}`, { insecure: true }))).toEqual(['insecure']);
  });
});
