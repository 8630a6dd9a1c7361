/**
 * The one storage interface every provider and wrapper implements, modelled on restic's `Backend`
 * and rclone's `fs.Fs`: a backend is bound to one bucket/container and addresses objects by keys,
 * '/'-separated strings relative to it (no leading '/', no empty, '.' or '..' segments).
 *
 * Guarantees every implementation gives (the contract suite in test/storage checks them):
 * - put is all-or-nothing: readers see either the previous object or the complete new one, never a
 *   partial object. When put resolves, the object is visible to get/stat/list (read-after-write), and
 *   so is its sha256 metadata where `capabilities.hashMetadata` says it is stored.
 * - put streams: memory use is bounded by the provider's part/block buffers, never by object size.
 * - put computes sha256 and size while streaming and returns them. If `options.size` or
 *   `options.sha256` is given and the streamed content differs, put fails with `IntegrityError`
 *   before the object is committed.
 * - get streams; with `expected`, the returned stream fails with `IntegrityError` instead of ending
 *   cleanly when the bytes delivered do not match (size checked as bytes flow, hash at the end).
 * - delete is idempotent: deleting a missing key succeeds.
 * - list yields entries in ascending byte order of their keys, paging through the provider internally.
 * - every error thrown or emitted is a `StorageError` whose message contains no credential.
 */
import { Readable } from 'node:stream';
import { ErrorClass } from './errors';

/**
 * What put uploads. Pass a factory (`() => createReadStream(path)`) whenever you can: the retry
 * wrapper re-opens the source for every attempt, so a failed upload is retried without buffering.
 * A plain Readable can be consumed only once, so the retry wrapper makes a single attempt with it.
 */
export type PutSource = Readable | (() => Readable);

export interface PutOptions {
  /** Exact size if known; lets providers choose single-shot uploads and is verified. */
  size?: number;
  contentType?: string;
  /** Fail with AlreadyExistsError if the key exists (atomic where `conditionalPut` is 'atomic'). */
  ifNotExists?: boolean;
  /** Expected sha256 (hex) if known up front: verified, and stored as metadata on every provider. */
  sha256?: string;
  /**
   * The source's bytes are exactly this local file's, which does not change (a snapshot's hard link): a
   * provider on the same machine may copy the file itself instead of reading the source stream (the file store
   * copies with copy_file_range or a reflink, then hashes the copy). Others ignore it; a wrapper that alters the
   * stream (throttle, fault injection) removes it.
   */
  localFile?: string;
}

export interface PutResult {
  key: string;
  size: number;
  /** sha256 of the uploaded bytes, hex. */
  sha256: string;
  etag?: string;
}

/** Inclusive byte range; `end` defaults to the last byte and is clamped to it. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface ExpectedContent {
  size?: number;
  sha256?: string;
}

export interface GetOptions {
  range?: ByteRange;
  /** Verify the bytes returned (the range's bytes when a range is given). */
  expected?: ExpectedContent;
}

export interface ObjectInfo {
  size: number;
  lastModified: Date;
  etag?: string;
  /**
   * sha256 (hex) recorded at put time, when the provider stores it. A backend opened with a KMS key withholds
   * it for an object the store does not report as encrypted with that key, so deduplication never reuses a
   * plaintext object for a backup that asked for encryption (it is uploaded again, encrypted).
   */
  sha256?: string;
  metadata?: Record<string, string>;
}

export interface ListEntry {
  key: string;
  /** True for a common prefix (a "directory") returned when listing with a delimiter. */
  isPrefix: boolean;
  size?: number;
  lastModified?: Date;
  etag?: string;
}

export interface ListOptions {
  /** Only '/' is supported by every provider. */
  delimiter?: string;
}

export interface EnsureBucketOptions {
  /** Create the bucket when it is missing (Icarus `createMissingBucket`); otherwise fail with not-found. */
  create: boolean;
}

export interface Capabilities {
  provider: 's3' | 'gcs' | 'azure' | 'file' | string;
  /** Largest object the provider accepts, bytes. */
  maxObjectSize: number;
  /** Large uploads go in parts/blocks/chunks so memory stays bounded. */
  multipart: boolean;
  /** Readers never observe a partially written object. */
  atomicPut: boolean;
  /** 'atomic': enforced by the store; 'best-effort': checked before upload, racy. */
  conditionalPut: 'atomic' | 'best-effort';
  rangeReads: boolean;
  /** 'always': put stores sha256 as metadata; 'when-provided': only if PutOptions.sha256 is set. */
  hashMetadata: 'always' | 'when-provided' | 'none';
}

export interface StorageBackend {
  /** Human-readable, secret-free identity, e.g. `s3://bucket` (with a KMS key: `s3://bucket (kms <fingerprint>)`). */
  readonly name: string;
  readonly capabilities: Capabilities;
  ensureBucket(options: EnsureBucketOptions): Promise<void>;
  put(key: string, source: PutSource, options?: PutOptions): Promise<PutResult>;
  /** Resolves once the provider answered, so a missing key rejects here with kind 'not-found'. */
  get(key: string, options?: GetOptions): Promise<Readable>;
  /** undefined when the key does not exist. */
  stat(key: string): Promise<ObjectInfo | undefined>;
  list(prefix: string, options?: ListOptions): AsyncIterable<ListEntry>;
  delete(key: string): Promise<void>;
  classifyError(error: unknown): ErrorClass;
  /** Releases sockets/handles. Idempotent. */
  close(): Promise<void>;
}

/** Opens the put source for one attempt. */
export function openSource(source: PutSource): Readable {
  return typeof source === 'function' ? source() : source;
}

/** Name of the metadata entry holding the content sha256 on every provider that stores metadata. */
export const SHA256_METADATA_KEY = 'sha256';
