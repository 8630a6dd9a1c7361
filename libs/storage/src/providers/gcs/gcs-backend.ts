/**
 * Google Cloud Storage through @google-cloud/storage 7. Credentials come from Application Default
 * Credentials (GOOGLE_APPLICATION_CREDENTIALS, metadata server); with an endpoint override
 * (`apiEndpoint` / GCS_API_ENDPOINT / STORAGE_EMULATOR_HOST) the SDK talks to that endpoint without
 * authentication, which is how tests reach the fake in test/fakes/gcs.
 *
 * Objects of unknown size or at least `resumableThreshold` bytes use a resumable upload streamed in a
 * single request (no chunk buffering); smaller ones a multipart upload. The sha256 is stored as custom
 * metadata: at creation when the caller provides it, otherwise patched in (guarded by the object's
 * generation) before put returns.
 *
 * With `kmsKeyId` (a Cloud KMS key name, projects/…/cryptoKeys/…) every object is created with that
 * customer-managed key (`kmsKeyName`), and put fails unless the object resource GCS answers names it; a read
 * (a restore) accepts only objects GCS reports encrypted with it.
 */
import type { Bucket, File, Storage, StorageOptions } from '@google-cloud/storage';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  Capabilities,
  EnsureBucketOptions,
  GetOptions,
  ListEntry,
  ListOptions,
  ObjectInfo,
  PutOptions,
  PutResult,
  PutSource,
  SHA256_METADATA_KEY,
  StorageBackend,
} from '../../backend';
import { AlreadyExistsError, ErrorClass, StorageError } from '../../errors';
import { isRequestedKey } from '../../features';
import { compareKeys, validateKey, validatePrefix } from '../../keys';
import { checkRange, guardDownload, nameWithKey, notEncryptedError, tapPutSource } from '../common';
import { gcsSdk } from '../sdks';
import { classifyGcsError, gcsStatus, toGcsStorageError } from './gcs-errors';

export interface GcsBackendOptions {
  bucket: string;
  /** Endpoint override, e.g. http://127.0.0.1:4443; defaults to GCS_API_ENDPOINT. */
  apiEndpoint?: string;
  /** Project for bucket creation; defaults to GOOGLE_CLOUD_PROJECT / GCLOUD_PROJECT. */
  projectId?: string;
  resumableThreshold?: number;
  listPageSize?: number;
  /** SDK-level retries (0 disables the SDK's own retries). */
  sdkMaxRetries?: number;
  /** Cloud KMS key name every object is encrypted with; a secret, never logged. */
  kmsKeyId?: string;
  env?: NodeJS.ProcessEnv;
}

interface GcsObjectMetadata {
  size?: string | number;
  updated?: string;
  etag?: string;
  generation?: string | number;
  /** The key (with its version) GCS encrypted the object with, when it is a customer-managed one. */
  kmsKeyName?: string;
  metadata?: Record<string, string | number | boolean | null>;
}

export class GcsBackend implements StorageBackend {
  readonly name: string;
  readonly capabilities: Capabilities = {
    provider: 'gcs',
    maxObjectSize: 5 * 1024 ** 4,
    multipart: true,
    atomicPut: true,
    conditionalPut: 'atomic',
    rangeReads: true,
    hashMetadata: 'always',
  };
  private readonly storage: Storage;
  private readonly bucket: Bucket;
  private readonly resumableThreshold: number;
  private readonly pageSize: number;
  private readonly kmsKeyId?: string;

  constructor(options: GcsBackendOptions) {
    const env = options.env ?? process.env;
    this.name = nameWithKey(`gcp://${options.bucket}`, options.kmsKeyId);
    const apiEndpoint = options.apiEndpoint ?? env.GCS_API_ENDPOINT;
    const storageOptions: StorageOptions = {
      projectId: options.projectId ?? env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT,
      retryOptions: { autoRetry: (options.sdkMaxRetries ?? 3) > 0, maxRetries: Math.max(1, options.sdkMaxRetries ?? 3) },
    };
    if (apiEndpoint) storageOptions.apiEndpoint = apiEndpoint;
    this.storage = new (gcsSdk().Storage)(storageOptions);
    this.bucket = this.storage.bucket(options.bucket);
    this.resumableThreshold = options.resumableThreshold ?? 8 * 1024 * 1024;
    this.pageSize = options.listPageSize ?? 1000;
    this.kmsKeyId = options.kmsKeyId;
  }

  async ensureBucket(options: EnsureBucketOptions): Promise<void> {
    try {
      const [exists] = await this.bucket.exists();
      if (exists) return;
      if (!options.create) {
        throw new StorageError('not-found', `gcs: bucket ${this.bucket.name} does not exist`, {
          provider: 'gcs',
          operation: 'ensureBucket',
          status: 404,
        });
      }
      await this.storage.createBucket(this.bucket.name);
    } catch (error) {
      if (gcsStatus(error) === 409) return; // created concurrently
      throw toGcsStorageError(error, 'ensureBucket');
    }
  }

  async put(key: string, source: PutSource, options: PutOptions = {}): Promise<PutResult> {
    validateKey(key, 'gcs');
    const details = { provider: 'gcs', key, operation: 'put' };
    const tap = tapPutSource(source, options, details);
    const file = this.kmsKeyId ? this.bucket.file(key, { kmsKeyName: this.kmsKeyId }) : this.bucket.file(key);
    const resumable = options.size === undefined || options.size >= this.resumableThreshold;
    try {
      await pipeline(
        tap,
        file.createWriteStream({
          resumable,
          contentType: options.contentType ?? 'application/octet-stream',
          metadata: options.sha256 ? { metadata: { [SHA256_METADATA_KEY]: options.sha256 } } : {},
          preconditionOpts: options.ifNotExists ? { ifGenerationMatch: 0 } : undefined,
          validation: 'crc32c',
        }),
      );
      const uploaded = file.metadata as GcsObjectMetadata;
      await this.confirmEncrypted(file, uploaded);
      let etag = uploaded.etag;
      if (!options.sha256) {
        // Hash known only now: record it, guarded so we never label a newer generation.
        const [patched] = await file.setMetadata(
          { metadata: { [SHA256_METADATA_KEY]: tap.digestHex } },
          { ifGenerationMatch: uploaded.generation },
        );
        etag = (patched as GcsObjectMetadata).etag ?? etag;
      }
      return { key, size: tap.byteCount, sha256: tap.digestHex, etag };
    } catch (error) {
      tap.destroy();
      const cause = (tap as { errored?: unknown }).errored;
      if (cause instanceof StorageError) throw cause;
      if (options.ifNotExists && gcsStatus(error) === 412) throw new AlreadyExistsError(details);
      throw toGcsStorageError(error, 'put', key);
    }
  }

  /** With a KMS key, the object GCS committed must name it; otherwise it is deleted and put fails. */
  private async confirmEncrypted(file: File, uploaded: GcsObjectMetadata): Promise<void> {
    if (!this.kmsKeyId || isRequestedKey(this.kmsKeyId, uploaded.kmsKeyName)) return;
    await file.delete({ ignoreNotFound: true }).catch(() => undefined);
    throw new StorageError(
      'permanent',
      `gcs: the store did not confirm encryption of ${JSON.stringify(file.name)} with the requested kmsKeyId (its object resource ` +
        `${uploaded.kmsKeyName ? 'names another key' : 'names no kmsKeyName'}); the object was removed`,
      { provider: 'gcs', key: file.name, operation: 'put', code: 'kms-not-honoured' },
    );
  }

  /** A read with a KMS key (a restore) accepts only objects GCS reports encrypted with it: one metadata request. */
  private async requireEncrypted(key: string): Promise<void> {
    let metadata: GcsObjectMetadata;
    try {
      [metadata] = (await this.bucket.file(key).getMetadata()) as [GcsObjectMetadata, ...unknown[]];
    } catch (error) {
      throw toGcsStorageError(error, 'get', key);
    }
    if (!isRequestedKey(this.kmsKeyId ?? '', metadata.kmsKeyName)) throw notEncryptedError('gcs', key);
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    validateKey(key, 'gcs');
    const details = { provider: 'gcs', key, operation: 'get' };
    const rangeProblem = checkRange(options.range);
    if (rangeProblem) throw new StorageError('permanent', `gcs: ${rangeProblem}`, { ...details, code: 'invalid-range' });
    const range = options.range;
    if (this.kmsKeyId) await this.requireEncrypted(key);
    const body = this.bucket
      .file(key)
      .createReadStream(
        range ? { start: range.start, end: range.end, validation: false, decompress: false } : { validation: 'crc32c', decompress: false },
      );
    const guarded = guardDownload(body, options.expected, details, (e) => toGcsStorageError(e, 'get', key));
    // The SDK only sends the request once the stream is read; wait for the answer so that a
    // missing key rejects here rather than as a stream error later.
    await new Promise<void>((resolve, reject) => {
      const onResponse = (response: { statusCode?: number }): void => {
        // Error statuses arrive here too; their error event follows with the server's message.
        if ((response.statusCode ?? 200) >= 300) return;
        guarded.off('error', onError);
        resolve();
      };
      const onError = (error: unknown): void => {
        body.off('response', onResponse);
        reject(error);
      };
      body.once('response', onResponse);
      guarded.once('error', onError);
    });
    return guarded;
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    validateKey(key, 'gcs');
    try {
      const [metadata] = await this.bucket.file(key).getMetadata();
      const info = toObjectInfo(metadata as GcsObjectMetadata);
      // an object not encrypted as this backend writes must not stand in for one that is (see ObjectInfo.sha256)
      const reusable = !this.kmsKeyId || isRequestedKey(this.kmsKeyId, (metadata as GcsObjectMetadata).kmsKeyName);
      return reusable ? info : { ...info, sha256: undefined };
    } catch (error) {
      if (classifyGcsError(error) === 'not-found') return undefined;
      throw toGcsStorageError(error, 'stat', key);
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ListEntry> {
    validatePrefix(prefix, 'gcs');
    let pageToken: string | undefined;
    do {
      let files: File[];
      let next: { pageToken?: string } | null | undefined;
      let response: unknown;
      try {
        [files, next, response] = await this.bucket.getFiles({
          autoPaginate: false,
          prefix: prefix || undefined,
          delimiter: options.delimiter,
          maxResults: this.pageSize,
          pageToken,
        });
      } catch (error) {
        throw toGcsStorageError(error, 'list');
      }
      const prefixes = (response as { prefixes?: unknown } | undefined)?.prefixes;
      const entries: ListEntry[] = [
        ...(Array.isArray(prefixes) ? prefixes.filter((p): p is string => typeof p === 'string') : []).map((p) => ({
          key: p,
          isPrefix: true,
        })),
        ...files.map((f) => {
          const info = toObjectInfo(f.metadata as GcsObjectMetadata);
          return { key: f.name, isPrefix: false, size: info.size, lastModified: info.lastModified, etag: info.etag };
        }),
      ];
      yield* entries.sort((a, b) => compareKeys(a.key, b.key));
      pageToken = next?.pageToken;
    } while (pageToken);
  }

  async delete(key: string): Promise<void> {
    validateKey(key, 'gcs');
    try {
      await this.bucket.file(key).delete({ ignoreNotFound: true });
    } catch (error) {
      if (classifyGcsError(error) === 'not-found') return;
      throw toGcsStorageError(error, 'delete', key);
    }
  }

  classifyError(error: unknown): ErrorClass {
    return classifyGcsError(error);
  }

  async close(): Promise<void> {
    // The SDK keeps no resources that need releasing.
  }
}

function toObjectInfo(metadata: GcsObjectMetadata): ObjectInfo {
  const custom: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata.metadata ?? {})) {
    if (value !== null && value !== undefined) custom[name] = String(value);
  }
  return {
    size: Number(metadata.size ?? 0),
    lastModified: metadata.updated ? new Date(metadata.updated) : new Date(0),
    etag: metadata.etag,
    sha256: custom[SHA256_METADATA_KEY],
    metadata: custom,
  };
}
