import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseStorageLocation } from './location';
import { openBackend, openProvider } from './open-backend';
import { AzureBackend } from './providers/azure/azure-backend';
import { FileBackend } from './providers/file/file-backend';
import { GcsBackend } from './providers/gcs/gcs-backend';
import { S3Backend } from './providers/s3/s3-backend';
import { ConcurrencyLimitedBackend } from './wrappers/concurrency';
import { RetryingBackend } from './wrappers/retry';

describe('openProvider / openBackend', () => {
  it('picks the provider by protocol, gs being an alias of gcp', () => {
    const env = { AZURE_STORAGE_ACCOUNT: 'account', AZURE_STORAGE_KEY: Buffer.from('not-a-real-key').toString('base64') };
    expect(openProvider('s3://bucket', { env })).toBeInstanceOf(S3Backend);
    expect(openProvider('gcp://bucket', { env, gcs: { projectId: 'p' } })).toBeInstanceOf(GcsBackend);
    expect(openProvider('gs://bucket', { env, gcs: { projectId: 'p' } })).toBeInstanceOf(GcsBackend);
    expect(openProvider('azure://container', { env })).toBeInstanceOf(AzureBackend);
    expect(openProvider('file:///var/backups/bucket', { env })).toBeInstanceOf(FileBackend);
  });

  it('binds a node location to its bucket (Esop file semantics)', () => {
    const backend = openProvider(parseStorageLocation('file:///var/backups/bucket/cluster/dc/node'));
    expect(backend.name).toBe('file:///var/backups/bucket');
  });

  it('fails clearly when Azure has no credentials in the environment', () => {
    expect(() => openProvider('azure://container', { env: {} })).toThrow(/no credentials: set AZURE_STORAGE_CONNECTION_STRING/);
  });

  it('stacks retry over the concurrency limit by default, and can drop retries', async () => {
    const root = mkdtempSync(join(tmpdir(), 'daedalus-open-backend-'));
    try {
      const backend = openBackend(`file://${root}/bucket`, { concurrency: 2, bandwidthBytesPerSecond: 10_000_000 });
      expect(backend).toBeInstanceOf(RetryingBackend);
      expect(openBackend(`file://${root}/bucket`, { retry: false })).toBeInstanceOf(ConcurrencyLimitedBackend);
      await backend.ensureBucket({ create: true });
      const result = await backend.put('a/b', () => Readable.from([Buffer.from('through every wrapper')]));
      expect(result.size).toBe(21);
      expect((await backend.stat('a/b'))?.size).toBe(21);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
