/**
 * Storage errors. Every provider converts SDK errors into a `StorageError` at its boundary, so callers
 * (and the retry wrapper) can decide on `kind` alone. Messages are built from status codes and
 * redacted SDK text only: the raw SDK error is never attached, because SDK errors carry request
 * configs with Authorization headers, signed URLs, SAS tokens or upload session URIs.
 */
export type StorageErrorKind = 'not-found' | 'retryable' | 'permanent' | 'integrity';

/** How a caller should react to an error: give up quietly, try again, or fail. */
export type ErrorClass = 'not-found' | 'retryable' | 'permanent';

export interface StorageErrorDetails {
  provider: string;
  key?: string;
  operation?: string;
  /** Provider or system error code, e.g. `NoSuchKey`, `ECONNRESET`, `412`. */
  code?: string;
  status?: number;
}

export class StorageError extends Error {
  readonly kind: StorageErrorKind;
  readonly provider: string;
  readonly key?: string;
  readonly operation?: string;
  readonly code?: string;
  readonly status?: number;

  constructor(kind: StorageErrorKind, message: string, details: StorageErrorDetails) {
    super(redactSecrets(message));
    this.name = 'StorageError';
    this.kind = kind;
    this.provider = details.provider;
    this.key = details.key;
    this.operation = details.operation;
    this.code = details.code;
    this.status = details.status;
  }
}

/** Content did not match the expected size or hash (on get), or the declared size/hash (on put). */
export class IntegrityError extends StorageError {
  constructor(
    message: string,
    details: StorageErrorDetails,
    readonly expected: { size?: number; sha256?: string },
    readonly actual: { size: number; sha256?: string },
  ) {
    super('integrity', message, details);
    this.name = 'IntegrityError';
  }
}

/** A put with `ifNotExists` found the key already present. Permanent: retrying cannot help. */
export class AlreadyExistsError extends StorageError {
  constructor(details: StorageErrorDetails) {
    super('permanent', `${details.provider}: object ${JSON.stringify(details.key)} already exists`, {
      ...details,
      code: details.code ?? 'already-exists',
    });
    this.name = 'AlreadyExistsError';
  }
}

/** A forward proxy refused the proxy credentials (HTTP 407): no SDK can parse that as a store error, so say what it was. */
export function proxyAuthenticationError(provider: string, operation: string, key?: string): StorageError {
  const subject = key === undefined ? '' : ` ${JSON.stringify(key)}`;
  return new StorageError('permanent', `${provider}: ${operation}${subject} failed: the proxy refused the proxy credentials (HTTP 407)`, {
    provider,
    key,
    operation,
    code: 'proxy-authentication-required',
    status: 407,
  });
}

export function isStorageError(error: unknown): error is StorageError {
  return error instanceof StorageError;
}

/** The class of an error that is already a StorageError; integrity failures are not retried. */
export function classOfKind(kind: StorageErrorKind): ErrorClass {
  return kind === 'integrity' ? 'permanent' : kind;
}

const REDACTIONS: Array<[RegExp, string]> = [
  // User info in URLs (a proxy's user:password@).
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]+@/gi, '$1<redacted>@'],
  // Query strings of URLs carry SAS signatures, X-Amz-Signature, upload_id session tokens.
  [/(https?:\/\/[^\s?'"]*)\?[^\s'"]*/gi, '$1?<redacted>'],
  [
    /(AccountKey|SharedAccessSignature|sig|se|sv|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|upload_id|access_token|token)=([^;&\s'"]+)/gi,
    '$1=<redacted>',
  ],
  [/(authorization|x-amz-security-token|x-goog-encryption-key)(["']?\s*[:=]\s*["']?)([^"'\s,}]+(\s[^"'\s,}]+)?)/gi, '$1$2<redacted>'],
  [/Bearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer <redacted>'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '<redacted private key>'],
];

/** Removes anything that looks like a credential, signature or session token from a message. */
export function redactSecrets(text: string): string {
  let result = text;
  for (const [pattern, replacement] of REDACTIONS) result = result.replace(pattern, replacement);
  return result.length > 500 ? `${result.slice(0, 500)}…` : result;
}

/** Node/system error codes that mean the connection failed and the request may succeed later. */
const RETRYABLE_SYSTEM_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EBUSY',
  'EMFILE',
  'ENFILE',
  'EAGAIN',
]);

/** Reads a string property of an unknown error value. */
export function stringProp(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const prop = (value as Record<string, unknown>)[name];
  return typeof prop === 'string' ? prop : typeof prop === 'number' ? String(prop) : undefined;
}

export function numberProp(value: unknown, name: string): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const prop = (value as Record<string, unknown>)[name];
  if (typeof prop === 'number') return prop;
  if (typeof prop === 'string' && /^\d+$/.test(prop)) return Number(prop);
  return undefined;
}

/** True for errors raised by the network or the OS that are worth another attempt. */
export function isTransientSystemError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = stringProp(current, 'code') ?? stringProp(current, 'errno');
    if (code && RETRYABLE_SYSTEM_CODES.has(code)) return true;
    const name = stringProp(current, 'name');
    if (name === 'TimeoutError' || name === 'RequestTimeout') return true;
    const message = stringProp(current, 'message') ?? '';
    if (/socket hang up|ECONNRESET|network socket disconnected|aborted|premature close/i.test(message)) return true;
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return false;
}

/** Classifies an HTTP status the way all three clouds document it. */
export function classifyHttpStatus(status: number | undefined): ErrorClass | undefined {
  if (status === undefined) return undefined;
  if (status === 404) return 'not-found';
  if (status === 408 || status === 429 || status === 499 || status >= 500) return 'retryable';
  if (status >= 400) return 'permanent';
  return undefined;
}

/** A short, secret-free description of an SDK error: its code/status and redacted message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = stringProp(error, 'code') ?? stringProp(error, 'Code');
    return redactSecrets(code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message);
  }
  return redactSecrets(String(error));
}
