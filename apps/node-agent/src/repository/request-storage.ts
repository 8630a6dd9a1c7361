import { processMetrics, storageRequestRecorder } from '@daedalus/common';
import {
  BandwidthDto,
  DurationFormatError,
  parseDurationMs as parseSharedDurationMs,
  ProxySettingsDto,
  RetryDto,
  StorageOperationRequest,
} from '@daedalus/contracts';
import {
  isStorageError,
  LocationError,
  openBackend,
  LocationHints,
  parseAnyLocation,
  parseStorageLocation,
  TokenBucket,
  RetryPolicy,
  StorageBackend,
  StorageLocation,
  StorageProxy,
} from '@daedalus/storage';
import { OperationRejectedError } from '../operations/executor';

const UNIT_BYTES = { BPS: 1, KBPS: 1024, MBPS: 1024 ** 2, GBPS: 1024 ** 3 } as const;

export function bandwidthBytesPerSecond(bandwidth?: BandwidthDto): number | undefined {
  return bandwidth ? bandwidth.value * UNIT_BYTES[bandwidth.unit] : undefined;
}

/** Icarus's `retry` (interval in seconds, LINEAR or EXPONENTIAL) as the storage retry wrapper's policy. */
export function retryPolicy(retry?: RetryDto): RetryPolicy | undefined {
  if (!retry?.enabled) return undefined; // the storage layer's own bounded default still applies
  return {
    maxAttempts: retry.maxAttempts ?? 3,
    initialDelayMs: (retry.interval ?? 10) * 1000,
    multiplier: retry.strategy === 'LINEAR' ? 1 : 2,
    jitter: true,
  };
}

/** The shared duration parser (libs/contracts), a malformed duration refusing the operation. */
export function parseDurationMs(text: string): number {
  try {
    return parseSharedDurationMs(text);
  } catch (error) {
    if (error instanceof DurationFormatError) throw new OperationRejectedError(error.message);
    throw error;
  }
}

export function nodeStorageLocation(request: StorageOperationRequest): StorageLocation {
  try {
    return parseStorageLocation(request.storageLocation, { layout: 'node' });
  } catch (error) {
    if (error instanceof LocationError) throw new OperationRejectedError(error.message);
    throw error;
  }
}

/**
 * Icarus's `proxySettings` as the storage layer's proxy; undefined when `useProxy` is not true. The request
 * validation has refused incomplete settings; this checks again for what it needs (a direct submitter's
 * request reaches the agent too) and never puts a value in a message.
 */
export function storageProxy(settings?: ProxySettingsDto): StorageProxy | undefined {
  if (!settings?.useProxy) return undefined;
  if (!settings.proxyHost || !settings.proxyPort) {
    throw new OperationRejectedError('proxySettings: proxyHost and proxyPort are required when useProxy is true');
  }
  return {
    protocol: settings.proxyProtocol?.toLowerCase() === 'https' ? 'https' : 'http',
    host: settings.proxyHost,
    port: settings.proxyPort,
    username: settings.proxyUsername,
    password: settings.proxyPassword,
  };
}

/**
 * The backend for a request: its concurrency, bandwidth and retry settings, its KMS key and proxy; credentials
 * from the environment. A feature the location's provider cannot honour is refused (naming the field).
 */
export async function openRequestBackend(
  location: StorageLocation,
  request: StorageOperationRequest & { bandwidth?: BandwidthDto },
  /** a bucket whose rate the caller paces (a backup's `duration`); it applies `bandwidth` itself */
  pacing?: TokenBucket,
): Promise<StorageBackend> {
  let backend: StorageBackend;
  try {
    backend = openBackend(location, {
      concurrency: request.concurrentConnections ?? 10,
      bandwidthBytesPerSecond: bandwidthBytesPerSecond(request.bandwidth),
      bandwidthBucket: pacing,
      retry: retryPolicy(request.retry),
      kmsKeyId: request.kmsKeyId,
      proxy: storageProxy(request.proxySettings),
      observer: storageRequestRecorder(processMetrics()),
    });
  } catch (error) {
    if (isStorageError(error) && error.code === 'unsupported-feature') throw new OperationRejectedError(error.message);
    throw error;
  }
  if (!request.skipBucketVerification) {
    try {
      await backend.ensureBucket({ create: request.createMissingBucket ?? false });
    } catch (error) {
      await backend.close();
      throw error;
    }
  }
  return backend;
}

/** A location naming one node or just a bucket (see parseAnyLocation for the file:// rule). */
export function anyStorageLocation(raw: string, hints: LocationHints = {}): StorageLocation {
  try {
    return parseAnyLocation(raw, hints);
  } catch (error) {
    if (error instanceof LocationError) throw new OperationRejectedError(error.message);
    throw error;
  }
}
