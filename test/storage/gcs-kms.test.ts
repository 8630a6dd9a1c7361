/**
 * GCS customer-managed keys on the fake, held to what GCS does: an object created with `kmsKeyName` reports
 * the key with its version, a name that is not a Cloud KMS key name is a 400, and a backend opened with a key
 * neither writes without it, nor offers a plaintext object for reuse, nor reads one.
 */
import { Readable } from 'node:stream';
import { GcsBackend } from '@daedalus/storage';
import { startOwnEmulator, StorageEmulator } from './emulators';

const KEY = 'projects/p/locations/europe-west1/keyRings/backups/cryptoKeys/daedalus';

describe('gcs kmsKeyId (fake)', () => {
  let emulator: StorageEmulator & { stop(): Promise<void> };
  const open = (kmsKeyId?: string) =>
    new GcsBackend({ bucket: 'kms', apiEndpoint: emulator.endpoint, projectId: 'daedalus-test', env: {}, kmsKeyId });

  beforeAll(async () => {
    emulator = await startOwnEmulator('gcs');
    await open().ensureBucket({ create: true });
  }, 90_000);
  afterAll(async () => emulator?.stop(), 30_000);

  const body = (text: string) => Readable.from([Buffer.from(text)]);

  it.each([
    ['multipart', 5],
    ['resumable', undefined],
  ])('creates a %s upload with the key, which the object reports', async (_kind, size) => {
    const backend = open(KEY);
    const put = await backend.put(`enc-${size ?? 'u'}`, body('hello'), { size });
    expect(put.size).toBe(5);
    const info = await backend.stat(`enc-${size ?? 'u'}`);
    expect(info?.sha256).toBe(put.sha256); // encrypted with the key: reusable
    const response = await fetch(`${emulator.endpoint}/storage/v1/b/kms/o/${encodeURIComponent(`enc-${size ?? 'u'}`)}`);
    expect(((await response.json()) as { kmsKeyName?: string }).kmsKeyName).toBe(`${KEY}/cryptoKeyVersions/1`);
  });

  it('withholds the hash of a plaintext object from a backend opened with a key', async () => {
    const put = await open().put('plain', body('plain'), { size: 5 });
    expect((await open().stat('plain'))?.sha256).toBe(put.sha256);
    expect((await open(KEY).stat('plain'))?.sha256).toBeUndefined();
  });

  it('reads with a key only objects encrypted with it', async () => {
    await open(KEY).put('read/enc', body('secret'), { size: 6 });
    await open().put('read/plain', body('plain'), { size: 5 });
    const chunks: Buffer[] = [];
    for await (const chunk of await open(KEY).get('read/enc')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('secret');
    await expect(open(KEY).get('read/plain')).rejects.toMatchObject({ kind: 'permanent', code: 'not-encrypted-with-key' });
    await expect(open(KEY).get('read/missing')).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('fails a put whose key name GCS refuses, storing nothing', async () => {
    await expect(open('not-a-key').put('bad', body('x'), { size: 1 })).rejects.toMatchObject({ kind: 'permanent', status: 400 });
    expect(await open().stat('bad')).toBeUndefined();
  });
});
