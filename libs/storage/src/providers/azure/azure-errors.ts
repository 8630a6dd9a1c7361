/** Classification of @azure/storage-blob (RestError) errors. */
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

const NOT_FOUND = new Set(['BlobNotFound', 'ContainerNotFound', 'ResourceNotFound']);
const RETRYABLE = new Set(['ServerBusy', 'OperationTimedOut', 'InternalError', 'REQUEST_SEND_ERROR']);

export function azureStatus(error: unknown): number | undefined {
  return numberProp(error, 'statusCode');
}

/** Azure's error code: the x-ms-error-code header when present, else RestError.code. */
export function azureErrorCode(error: unknown): string | undefined {
  const details = typeof error === 'object' && error !== null ? (error as { details?: unknown }).details : undefined;
  return stringProp(details, 'errorCode') ?? stringProp(error, 'code');
}

export function classifyAzureError(error: unknown): ErrorClass {
  if (isStorageError(error)) return classOfKind(error.kind);
  const code = azureErrorCode(error);
  if (code && NOT_FOUND.has(code)) return 'not-found';
  if (code && RETRYABLE.has(code)) return 'retryable';
  const byStatus = classifyHttpStatus(azureStatus(error));
  if (byStatus) return byStatus;
  if (isTransientSystemError(error)) return 'retryable';
  return 'permanent';
}

export function toAzureStorageError(error: unknown, operation: string, key?: string): StorageError {
  if (isStorageError(error)) return error;
  const status = azureStatus(error);
  const code = azureErrorCode(error);
  if (status === 407) return proxyAuthenticationError('azure', operation, key);
  const subject = key === undefined ? '' : ` ${JSON.stringify(key)}`;
  // RestError messages are the service's XML message; the first line is enough and holds no secret.
  const message = describeError(error).split('\n')[0];
  return new StorageError(
    classifyAzureError(error),
    `azure: ${operation}${subject} failed: ${message}${status ? ` (HTTP ${status})` : ''}`,
    {
      provider: 'azure',
      key,
      operation,
      code,
      status,
    },
  );
}
