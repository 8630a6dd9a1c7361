/**
 * S3 and S3-compatible stores (MinIO, Ceph RGW, Oracle, s3rver) through AWS SDK v3. Credentials come
 * only from the SDK's default provider chain (env AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles,
 * instance roles); this module never reads or logs them. Objects of known size up to
 * `singlePutMaxBytes` go up as one streamed PutObject; larger or unknown-size ones through
 * @aws-sdk/lib-storage as a multipart upload with at most `queueSize` parts of `partSize` in memory,
 * aborted when the upload fails.
 *
 * With `kmsKeyId` every object is written with SSE-KMS (PutObject, CreateMultipartUpload) and put fails unless
 * the store's answer confirms it (`x-amz-server-side-encryption: aws:kms` and the key): a store that ignores
 * the request (s3rver, a gateway without KMS) would otherwise keep plaintext while the client believes it
 * encrypted. Reads with `kmsKeyId` (a restore) accept only objects the store reports encrypted with that key.
 * With `proxy` every request goes through that HTTP(S) forward proxy.
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
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
import { isRequestedKey, StorageProxy } from '../../features';
import { compareKeys, validateKey, validatePrefix } from '../../keys';
import { checkRange, guardDownload, nameWithKey, notEncryptedError, rangeHeader, sliceStream, tapPutSource } from '../common';
import { proxyAgents } from '../proxy-agents';
import { S3Sdk, s3Sdk, s3UploadSdk } from '../sdks';
import { classifyS3Error, s3ErrorCode, s3Status, toS3StorageError } from './s3-errors';

export interface S3BackendOptions {
  bucket: string;
  /** Defaults to AWS_REGION / AWS_DEFAULT_REGION, else us-east-1. */
  region?: string;
  /** Endpoint override for S3-compatible stores; defaults to AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. */
  endpoint?: string;
  /** Path-style addressing (needed by most S3-compatible stores); defaults to AWS_S3_FORCE_PATH_STYLE=true. */
  forcePathStyle?: boolean;
  /** Multipart part size in bytes (min 5 MiB). Objects up to this size use one PutObject. */
  partSize?: number;
  /** Objects of known size up to this use one streamed PutObject (default 64 MiB, max 5 GiB). */
  singlePutMaxBytes?: number;
  /** Parts of one object uploaded at once (and held in memory). */
  queueSize?: number;
  listPageSize?: number;
  /** SDK-level attempts per request (1 disables the SDK's own retries). */
  sdkMaxAttempts?: number;
  /**
   * 'native': If-None-Match: * (AWS since 2024, MinIO, recent Ceph) — atomic.
   * 'check-first': HEAD before upload, for stores that ignore If-None-Match (s3rver) — racy.
   */
  conditionalWrites?: 'native' | 'check-first';
  /** Checksums in the 2025 SDK default mode break many S3-compatible stores; WHEN_REQUIRED is safe everywhere. */
  checksums?: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';
  /** SSE-KMS key (id, ARN or alias) every object is written with; a secret, never logged. */
  kmsKeyId?: string;
  /** Forward proxy for every request. */
  proxy?: StorageProxy;
  env?: NodeJS.ProcessEnv;
}

/** What a write answered about server-side encryption. */
interface SseAnswer {
  ServerSideEncryption?: string;
  SSEKMSKeyId?: string;
}

const MIB = 1024 * 1024;

export class S3Backend implements StorageBackend {
  readonly name: string;
  readonly capabilities: Capabilities;
  private readonly sdk: S3Sdk = s3Sdk();
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly singlePutMaxBytes: number;
  private readonly pageSize: number;
  private readonly conditionalWrites: 'native' | 'check-first';
  private readonly kmsKeyId?: string;

  constructor(options: S3BackendOptions) {
    const env = options.env ?? process.env;
    this.bucket = options.bucket;
    this.name = nameWithKey(`s3://${options.bucket}`, options.kmsKeyId);
    this.partSize = Math.max(5 * MIB, options.partSize ?? 8 * MIB);
    this.queueSize = options.queueSize ?? 4;
    this.singlePutMaxBytes = Math.min(options.singlePutMaxBytes ?? 64 * MIB, 5 * 1024 * MIB);
    this.pageSize = options.listPageSize ?? 1000;
    this.conditionalWrites = options.conditionalWrites ?? 'native';
    this.kmsKeyId = options.kmsKeyId;
    const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
    const checksums = options.checksums ?? 'WHEN_REQUIRED';
    const config: S3ClientConfig = {
      region: options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? parseBool(env.AWS_S3_FORCE_PATH_STYLE) ?? false,
      requestChecksumCalculation: checksums,
      responseChecksumValidation: checksums,
      maxAttempts: options.sdkMaxAttempts ?? 3,
    };
    if (endpoint) config.endpoint = endpoint;
    if (options.proxy) config.requestHandler = proxyAgents(options.proxy);
    this.client = new this.sdk.S3Client(config);
    this.capabilities = {
      provider: 's3',
      maxObjectSize: 5 * 1024 * 1024 * MIB,
      multipart: true,
      atomicPut: true,
      conditionalPut: this.conditionalWrites === 'native' ? 'atomic' : 'best-effort',
      rangeReads: true,
      hashMetadata: 'when-provided',
    };
  }

  async ensureBucket(options: EnsureBucketOptions): Promise<void> {
    try {
      await this.client.send(new this.sdk.HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (classifyS3Error(error) !== 'not-found' || !options.create) throw toS3StorageError(error, 'ensureBucket');
    }
    try {
      await this.client.send(new this.sdk.CreateBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      // Someone else created it meanwhile: fine.
      if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(s3ErrorCode(error) ?? '')) {
        throw toS3StorageError(error, 'ensureBucket');
      }
    }
  }

  async put(key: string, source: PutSource, options: PutOptions = {}): Promise<PutResult> {
    validateKey(key, 's3');
    const details = { provider: 's3', key, operation: 'put' };
    const tap = tapPutSource(source, options, details);
    try {
      if (options.ifNotExists && this.conditionalWrites === 'check-first' && (await this.stat(key))) {
        throw new AlreadyExistsError(details);
      }
      const params = {
        Bucket: this.bucket,
        Key: key,
        ContentType: options.contentType ?? 'application/octet-stream',
        Metadata: options.sha256 ? { [SHA256_METADATA_KEY]: options.sha256 } : undefined,
        IfNoneMatch: options.ifNotExists && this.conditionalWrites === 'native' ? '*' : undefined,
        ...(this.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: this.kmsKeyId } : {}),
      };
      if (options.size !== undefined && options.size <= this.singlePutMaxBytes) {
        // Known, moderate size: one PutObject streamed straight from the source, nothing buffered.
        const result = await this.client.send(new this.sdk.PutObjectCommand({ ...params, Body: tap, ContentLength: options.size }));
        await this.confirmEncrypted(key, result);
        return { key, size: tap.byteCount, sha256: tap.digestHex, etag: result.ETag };
      }
      const { Upload } = s3UploadSdk();
      const upload = new Upload({
        client: this.client,
        partSize: this.partSize,
        queueSize: this.queueSize,
        leavePartsOnError: false,
        params: { ...params, Body: tap, ContentLength: options.size },
      });
      const result = await upload.done();
      await this.confirmEncrypted(key, result);
      return { key, size: tap.byteCount, sha256: tap.digestHex, etag: result.ETag };
    } catch (error) {
      tap.destroy();
      if (error instanceof StorageError) throw error;
      // The tap's own IntegrityError may arrive wrapped by the SDK.
      const cause = (tap as { errored?: unknown }).errored;
      if (cause instanceof StorageError) throw cause;
      if (options.ifNotExists && (s3Status(error) === 412 || s3ErrorCode(error) === 'PreconditionFailed')) {
        throw new AlreadyExistsError(details);
      }
      throw toS3StorageError(error, 'put', key);
    }
  }

  /**
   * With a KMS key, the store must say the object it committed is SSE-KMS encrypted with that key. If it does
   * not, the object (plaintext, or under another key) is deleted and put fails: it must not be mistaken for an
   * encrypted one, neither now nor by a later backup's deduplication.
   */
  private async confirmEncrypted(key: string, answer: SseAnswer): Promise<void> {
    if (!this.kmsKeyId || isEncryptedWith(this.kmsKeyId, answer)) return;
    await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch(() => undefined);
    const said = answer.ServerSideEncryption ? `answered ${answer.ServerSideEncryption}` : 'answered without x-amz-server-side-encryption';
    throw new StorageError(
      'permanent',
      `s3: the store did not confirm SSE-KMS encryption of ${JSON.stringify(key)} with the requested kmsKeyId (it ${said}); ` +
        'the object was removed: this store does not honour SSE-KMS',
      { provider: 's3', key, operation: 'put', code: 'sse-kms-not-honoured' },
    );
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    validateKey(key, 's3');
    const rangeProblem = checkRange(options.range);
    if (rangeProblem)
      throw new StorageError('permanent', `s3: ${rangeProblem}`, { provider: 's3', key, operation: 'get', code: 'invalid-range' });
    try {
      const response = await this.client.send(
        new this.sdk.GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: options.range ? rangeHeader(options.range) : undefined,
        }),
      );
      const raw: unknown = response.Body;
      if (!(raw instanceof Readable))
        throw new StorageError('permanent', 's3: response body is not a Node stream', { provider: 's3', key });
      if (this.kmsKeyId && !isEncryptedWith(this.kmsKeyId, response)) {
        raw.destroy();
        throw notEncryptedError('s3', key);
      }
      const body = options.range ? trimToRange(raw, options.range, response.ContentRange) : raw;
      return guardDownload(body, options.expected, { provider: 's3', key, operation: 'get' }, (e) => toS3StorageError(e, 'get', key));
    } catch (error) {
      throw toS3StorageError(error, 'get', key);
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    validateKey(key, 's3');
    try {
      const head = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      const metadata = head.Metadata ?? {};
      // an object not encrypted as this backend writes must not stand in for one that is (see ObjectInfo.sha256)
      const reusable = !this.kmsKeyId || isEncryptedWith(this.kmsKeyId, head);
      return {
        size: head.ContentLength ?? 0,
        lastModified: head.LastModified ?? new Date(0),
        etag: head.ETag,
        sha256: reusable ? metadata[SHA256_METADATA_KEY] : undefined,
        metadata,
      };
    } catch (error) {
      if (classifyS3Error(error) === 'not-found') return undefined;
      throw toS3StorageError(error, 'stat', key);
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ListEntry> {
    validatePrefix(prefix, 's3');
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new this.sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix || undefined,
            Delimiter: options.delimiter,
            MaxKeys: this.pageSize,
            ContinuationToken: token,
          }),
        );
      } catch (error) {
        throw toS3StorageError(error, 'list');
      }
      const entries: ListEntry[] = [
        ...(page.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [{ key: p.Prefix, isPrefix: true }] : [])),
        ...(page.Contents ?? []).flatMap((o) =>
          o.Key ? [{ key: o.Key, isPrefix: false, size: o.Size, lastModified: o.LastModified, etag: o.ETag }] : [],
        ),
      ];
      yield* entries.sort((a, b) => compareKeys(a.key, b.key));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    validateKey(key, 's3');
    try {
      await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (classifyS3Error(error) === 'not-found') return;
      throw toS3StorageError(error, 'delete', key);
    }
  }

  classifyError(error: unknown): ErrorClass {
    return classifyS3Error(error);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** Cuts what the server sent down to the requested range when it sent more (see sliceStream). */
function trimToRange(body: Readable, requested: { start: number; end?: number }, contentRange: string | undefined): Readable {
  const served = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange ?? '');
  const servedStart = served ? Number(served[1]) : 0;
  const servedEnd = served ? Number(served[2]) : Number.POSITIVE_INFINITY;
  const wantedEnd = requested.end ?? Number.POSITIVE_INFINITY;
  if (servedStart === requested.start && servedEnd <= wantedEnd) return body;
  if (servedStart > requested.start) {
    throw new StorageError('retryable', `s3: server returned range ${contentRange} for a request starting at ${requested.start}`, {
      provider: 's3',
      code: 'bad-range',
    });
  }
  const take = requested.end === undefined ? undefined : requested.end - requested.start + 1;
  return sliceStream(body, requested.start - servedStart, take);
}

function isEncryptedWith(kmsKeyId: string, answer: SseAnswer): boolean {
  const algorithm = answer.ServerSideEncryption;
  return (algorithm === 'aws:kms' || algorithm === 'aws:kms:dsse') && isRequestedKey(kmsKeyId, answer.SSEKMSKeyId);
}

function parseBool(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return /^(1|true|yes|on)$/i.test(value);
}
