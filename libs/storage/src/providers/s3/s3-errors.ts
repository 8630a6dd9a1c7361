/** Classification of AWS SDK v3 errors (S3ServiceException and network errors). */
import {
  classifyHttpStatus,
  classOfKind,
  describeError,
  ErrorClass,
  isStorageError,
  isTransientSystemError,
  numberProp,
  proxyAuthenticationError,
  StorageError,
  stringProp,
} from '../../errors';

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket', 'NoSuchUpload']);
const RETRYABLE = new Set([
  'SlowDown',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ConditionalRequestConflict',
  'TimeoutError',
  'OperationAborted',
]);

export function s3Status(error: unknown): number | undefined {
  const metadata = typeof error === 'object' && error !== null ? (error as { $metadata?: unknown }).$metadata : undefined;
  return numberProp(metadata, 'httpStatusCode');
}

export function s3ErrorCode(error: unknown): string | undefined {
  return stringProp(error, 'Code') ?? stringProp(error, 'name');
}

export function classifyS3Error(error: unknown): ErrorClass {
  if (isStorageError(error)) return classOfKind(error.kind);
  const code = s3ErrorCode(error);
  if (code && NOT_FOUND.has(code)) return 'not-found';
  if (code && RETRYABLE.has(code)) return 'retryable';
  // 409 from a conditional write racing another conditional write: AWS says retry.
  if (code === 'ConditionalRequestConflict') return 'retryable';
  const byStatus = classifyHttpStatus(s3Status(error));
  if (byStatus) return byStatus;
  if (isTransientSystemError(error)) return 'retryable';
  return 'permanent';
}

export function toS3StorageError(error: unknown, operation: string, key?: string): StorageError {
  if (isStorageError(error)) return error;
  const status = s3Status(error);
  const code = s3ErrorCode(error);
  const subject = key === undefined ? '' : ` ${JSON.stringify(key)}`;
  if (status === 407) return proxyAuthenticationError('s3', operation, key);
  return new StorageError(
    classifyS3Error(error),
    `s3: ${operation}${subject} failed: ${describeError(error)}${status ? ` (HTTP ${status})` : ''}`,
    {
      provider: 's3',
      key,
      operation,
      code,
      status,
    },
  );
}
