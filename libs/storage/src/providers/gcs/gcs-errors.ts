/** Classification of @google-cloud/storage (ApiError, gaxios) errors. */
import {
  classifyHttpStatus,
  classOfKind,
  describeError,
  ErrorClass,
  isStorageError,
  isTransientSystemError,
  numberProp,
  StorageError,
  stringProp,
} from '../../errors';

export function gcsStatus(error: unknown): number | undefined {
  const direct = numberProp(error, 'code') ?? numberProp(error, 'status');
  if (direct !== undefined && direct >= 100 && direct < 600) return direct;
  const response = typeof error === 'object' && error !== null ? (error as { response?: unknown }).response : undefined;
  return numberProp(response, 'status');
}

export function classifyGcsError(error: unknown): ErrorClass {
  if (isStorageError(error)) return classOfKind(error.kind);
  const byStatus = classifyHttpStatus(gcsStatus(error));
  if (byStatus) return byStatus;
  if (isTransientSystemError(error)) return 'retryable';
  return 'permanent';
}

/** createReadStream errors carry the raw JSON error body as their message; keep only its text. */
function gcsMessage(error: unknown): string {
  const text = describeError(error);
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // not JSON
  }
  return text;
}

export function toGcsStorageError(error: unknown, operation: string, key?: string): StorageError {
  if (isStorageError(error)) return error;
  const status = gcsStatus(error);
  const subject = key === undefined ? '' : ` ${JSON.stringify(key)}`;
  // ApiError messages are the server's text; gaxios messages may quote the request URL (redacted).
  return new StorageError(
    classifyGcsError(error),
    `gcs: ${operation}${subject} failed: ${gcsMessage(error)}${status ? ` (HTTP ${status})` : ''}`,
    {
      provider: 'gcs',
      key,
      operation,
      code: stringProp(error, 'code'),
      status,
    },
  );
}
