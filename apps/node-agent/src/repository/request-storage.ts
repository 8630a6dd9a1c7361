import { BandwidthDto, RetryDto, StorageOperationRequest } from '@daedalus/contracts';
import {
  LocationError,
  openBackend,
  parseAnyLocation,
  parseStorageLocation,
  RetryPolicy,
  StorageBackend,
  StorageLocation,
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

/** "PT2H", "2 HOURS", "90 minutes" → milliseconds (Icarus/Esop accept both forms). */
export function parseDurationMs(text: string): number {
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(text.trim());
  if (iso && text.trim().length > 1) {
    const [, d, h, m, s] = iso.map((v) => Number(v ?? 0));
    return (((d * 24 + h) * 60 + m) * 60 + s) * 1000;
  }
  const words = /^(\d+)\s*([a-z]+)$/i.exec(text.trim());
  const units: Record<string, number> = { second: 1e3, minute: 60e3, hour: 3600e3, day: 86400e3 };
  const unit = words ? Object.keys(units).find((u) => words[2].toLowerCase().startsWith(u)) : undefined;
  if (!words || !unit) throw new OperationRejectedError(`duration "${text}" is neither ISO-8601 (PT2H) nor "<n> <unit>"`);
  return Number(words[1]) * units[unit];
}

export function nodeStorageLocation(request: StorageOperationRequest): StorageLocation {
  try {
    return parseStorageLocation(request.storageLocation, { layout: 'node' });
  } catch (error) {
    if (error instanceof LocationError) throw new OperationRejectedError(error.message);
    throw error;
  }
}

/** The backend for a request: its concurrency, bandwidth and retry settings; credentials from the environment. */
export async function openRequestBackend(
  location: StorageLocation,
  request: StorageOperationRequest & { bandwidth?: BandwidthDto },
): Promise<StorageBackend> {
  const backend = openBackend(location, {
    concurrency: request.concurrentConnections ?? 10,
    bandwidthBytesPerSecond: bandwidthBytesPerSecond(request.bandwidth),
    retry: retryPolicy(request.retry),
  });
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
export function anyStorageLocation(raw: string): StorageLocation {
  try {
    return parseAnyLocation(raw);
  } catch (error) {
    if (error instanceof LocationError) throw new OperationRejectedError(error.message);
    throw error;
  }
}
