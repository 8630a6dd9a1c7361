/**
 * Opens the backend for a storage location, choosing the provider by protocol and stacking the
 * wrappers: retry( concurrency-limit( throttle( provider ))). Retry is outermost so a transfer
 * waiting out its backoff does not hold a concurrency slot; the throttle is innermost so it meters
 * the bytes that actually move.
 *
 * Credentials are never taken from options: each SDK reads its own chain/environment
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_REGION, GOOGLE_APPLICATION_CREDENTIALS,
 * AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT/AZURE_STORAGE_KEY). Endpoint overrides
 * for emulators and S3-compatible stores come from options or AWS_ENDPOINT_URL(_S3),
 * AWS_S3_FORCE_PATH_STYLE, GCS_API_ENDPOINT.
 *
 * The per-request features (`kmsKeyId`, `proxy`) go to the providers that honour them; asking a provider
 * that cannot (see features.ts) fails here, naming the field, rather than writing without them.
 */
import { StorageBackend } from './backend';
import { StorageError } from './errors';
import { StorageFeature, StorageProxy, unsupportedFeature } from './features';
import { parseStorageLocation, StorageLocation } from './location';
import { AzureBackend, AzureBackendOptions } from './providers/azure/azure-backend';
import { FileBackend } from './providers/file/file-backend';
import { GcsBackend, GcsBackendOptions } from './providers/gcs/gcs-backend';
import { S3Backend, S3BackendOptions } from './providers/s3/s3-backend';
import { withConcurrencyLimit } from './wrappers/concurrency';
import { StorageObserver, withObserver } from './wrappers/metrics';
import { RetryHooks, RetryPolicy, withRetry } from './wrappers/retry';
import { TokenBucket, withThrottle } from './wrappers/throttle';

export interface OpenBackendOptions {
  s3?: Omit<S3BackendOptions, 'bucket'>;
  gcs?: Omit<GcsBackendOptions, 'bucket'>;
  azure?: Omit<AzureBackendOptions, 'bucket'>;
  /** Server-side encryption with this customer-managed key (S3 SSE-KMS, GCS kmsKeyName). */
  kmsKeyId?: string;
  /** Every request through this forward proxy (S3, Azure). */
  proxy?: StorageProxy;
  /** false disables retries; default policy: 5 attempts, 200 ms doubling to 10 s, 5 min total. */
  retry?: RetryPolicy | false;
  retryHooks?: RetryHooks;
  /** Calls (and transfers) in flight at once; Icarus's `concurrentConnections`, default 10. */
  concurrency?: number;
  /** Bytes per second across all transfers of this backend; unlimited when absent. */
  bandwidthBytesPerSecond?: number;
  /** A bucket whose rate its owner changes as it goes (a backup paced by `duration`); wins over the fixed rate. */
  bandwidthBucket?: TokenBucket;
  env?: NodeJS.ProcessEnv;
  /** Told of every request to the provider and every failure (metrics); stacked right over the provider. */
  observer?: StorageObserver;
}

/** The bare provider for a location, without wrappers. */
export function openProvider(location: StorageLocation | string, options: OpenBackendOptions = {}): StorageBackend {
  const parsed = typeof location === 'string' ? parseStorageLocation(location, { layout: 'prefix' }) : location;
  const env = options.env ?? process.env;
  refuseUnsupported(parsed, options);
  const { kmsKeyId, proxy } = options;
  switch (parsed.protocol) {
    case 's3':
      return new S3Backend({ env, ...options.s3, kmsKeyId, proxy, bucket: parsed.bucket });
    case 'gcp':
      return new GcsBackend({ env, ...options.gcs, kmsKeyId, bucket: parsed.bucket });
    case 'azure':
      return new AzureBackend({ env, ...options.azure, proxy, bucket: parsed.bucket });
    case 'file':
      return new FileBackend({ root: parsed.root ?? '/', bucket: parsed.bucket });
  }
}

function refuseUnsupported(location: StorageLocation, options: OpenBackendOptions): void {
  const asked: StorageFeature[] = [];
  if (options.kmsKeyId !== undefined) asked.push('kmsKeyId');
  if (options.proxy !== undefined) asked.push('proxySettings');
  for (const feature of asked) {
    const reason = unsupportedFeature(location.protocol, feature);
    if (reason) {
      throw new StorageError('permanent', `${feature}: ${reason}`, { provider: location.protocol, code: 'unsupported-feature' });
    }
  }
}

/**
 * The backend for a location with retry, concurrency limit and (optionally) throttle applied.
 * A string location is parsed with the 'prefix' layout (protocol://bucket[/prefix...]); pass a
 * parsed StorageLocation for node locations. Keys are relative to the bucket: prepend
 * `locationPrefix(location)` for the cluster/dc/node part.
 */
export function openBackend(location: StorageLocation | string, options: OpenBackendOptions = {}): StorageBackend {
  return wrapBackend(openProvider(location, options), options);
}

/** The wrappers openBackend stacks over a provider: retry( concurrency-limit( throttle( observer( provider )))). */
export function wrapBackend(
  provider: StorageBackend,
  options: Pick<
    OpenBackendOptions,
    'retry' | 'retryHooks' | 'concurrency' | 'bandwidthBytesPerSecond' | 'bandwidthBucket' | 'observer'
  > = {},
): StorageBackend {
  let backend = options.observer ? withObserver(provider, options.observer) : provider;
  const rate = options.bandwidthBucket ?? options.bandwidthBytesPerSecond;
  if (rate !== undefined) backend = withThrottle(backend, rate);
  backend = withConcurrencyLimit(backend, options.concurrency ?? 10);
  if (options.retry !== false) backend = withRetry(backend, options.retry ?? {}, options.retryHooks);
  return backend;
}
