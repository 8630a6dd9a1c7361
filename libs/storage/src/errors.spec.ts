import { NoSuchKey, S3ServiceException } from '@aws-sdk/client-s3';
import { ApiError } from '@google-cloud/storage';
import { RestError } from '@azure/storage-blob';
import { classifyAzureError } from './providers/azure/azure-errors';
import { classifyGcsError, toGcsStorageError } from './providers/gcs/gcs-errors';
import { classifyS3Error, toS3StorageError } from './providers/s3/s3-errors';
import { FileBackend } from './providers/file/file-backend';
import { IntegrityError, redactSecrets, StorageError } from './errors';

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

describe('S3 error classification', () => {
  it.each([
    [new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'gone' }), 'not-found'],
    [s3Error('NotFound', 404), 'not-found'],
    [s3Error('NoSuchBucket', 404), 'not-found'],
    [s3Error('SlowDown', 503), 'retryable'],
    [s3Error('InternalError', 500), 'retryable'],
    [s3Error('RequestTimeout', 400), 'retryable'],
    [s3Error('ConditionalRequestConflict', 409), 'retryable'],
    [s3Error('Whatever', 502), 'retryable'],
    [s3Error('AccessDenied', 403), 'permanent'],
    [s3Error('PreconditionFailed', 412), 'permanent'],
    [s3Error('InvalidArgument', 400), 'permanent'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'retryable'],
    [Object.assign(new Error('timeout'), { name: 'TimeoutError' }), 'retryable'],
    [new Error('something odd'), 'permanent'],
    [new StorageError('retryable', 'x', { provider: 's3' }), 'retryable'],
    [new IntegrityError('x', { provider: 's3' }, {}, { size: 1 }), 'permanent'],
  ])('%p is %s', (error, expected) => {
    expect(classifyS3Error(error)).toBe(expected);
  });

  it('builds secret-free StorageErrors', () => {
    const error = Object.assign(s3Error('AccessDenied', 403), {
      message: 'denied for https://bucket.s3.amazonaws.com/key?X-Amz-Signature=abcdef&X-Amz-Credential=AKIAEXAMPLE',
    });
    const mapped = toS3StorageError(error, 'get', 'key');
    expect(mapped).toMatchObject({ kind: 'permanent', provider: 's3', key: 'key', status: 403, code: 'AccessDenied' });
    expect(mapped.message).not.toContain('abcdef');
    expect(mapped.message).not.toContain('AKIAEXAMPLE');
  });
});

describe('GCS error classification', () => {
  const api = (code: number): ApiError => Object.assign(new ApiError(`status ${code}`), { code });
  it.each([
    [api(404), 'not-found'],
    [api(429), 'retryable'],
    [api(503), 'retryable'],
    [api(408), 'retryable'],
    [api(412), 'permanent'],
    [api(403), 'permanent'],
    [Object.assign(new Error('gaxios'), { response: { status: 500 } }), 'retryable'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'retryable'],
  ])('%p is %s', (error, expected) => {
    expect(classifyGcsError(error)).toBe(expected);
  });

  it('keeps only the message of a JSON error body', () => {
    const error = Object.assign(new Error('{"error":{"code":404,"message":"No such object: b/k"}}'), { code: 404 });
    expect(toGcsStorageError(error, 'get', 'k').message).toBe('gcs: get "k" failed: No such object: b/k (HTTP 404)');
  });
});

describe('Azure error classification', () => {
  const rest = (statusCode: number, code?: string): RestError => new RestError('azure says no', { statusCode, code });
  it.each([
    [rest(404, 'BlobNotFound'), 'not-found'],
    [rest(404, 'ContainerNotFound'), 'not-found'],
    [rest(503, 'ServerBusy'), 'retryable'],
    [rest(500, 'InternalError'), 'retryable'],
    [rest(409, 'BlobAlreadyExists'), 'permanent'],
    [rest(403, 'AuthenticationFailed'), 'permanent'],
    [new RestError('connect failed', { code: 'REQUEST_SEND_ERROR' }), 'retryable'],
  ])('%p is %s', (error, expected) => {
    expect(classifyAzureError(error)).toBe(expected);
  });
});

describe('file error classification', () => {
  const backend = new FileBackend({ root: '/tmp', bucket: 'unused' });
  it.each([
    ['ENOENT', 'not-found'],
    ['ENOTDIR', 'not-found'],
    ['EMFILE', 'retryable'],
    ['EBUSY', 'retryable'],
    ['EACCES', 'permanent'],
    ['ENOSPC', 'permanent'],
    ['EROFS', 'permanent'],
  ])('%s is %s', (code, expected) => {
    expect(backend.classifyError(Object.assign(new Error(code), { code }))).toBe(expected);
  });
});

describe('redactSecrets', () => {
  it.each([
    ['https://acct.blob.core.windows.net/c/b?sv=2020&sig=SECRETSIG&se=2030', 'SECRETSIG'],
    ['DefaultEndpointsProtocol=https;AccountName=a;AccountKey=SECRETKEY==;EndpointSuffix=x', 'SECRETKEY'],
    ['Authorization: Bearer ya29.SECRETTOKEN', 'SECRETTOKEN'],
    ['"authorization":"AWS4-HMAC-SHA256 Credential=AKIA/SECRET"', 'AKIA/SECRET'],
    ['session http://127.0.0.1/upload?upload_id=SECRETSESSION', 'SECRETSESSION'],
    ['-----BEGIN PRIVATE KEY-----\nMIISECRET\n-----END PRIVATE KEY-----', 'MIISECRET'],
  ])('removes the secret from %j', (text, secret) => {
    const redacted = redactSecrets(text);
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain('<redacted');
  });

  it('leaves ordinary text alone and bounds the length', () => {
    expect(redactSecrets('NoSuchKey: the key does not exist')).toBe('NoSuchKey: the key does not exist');
    expect(redactSecrets('x'.repeat(2000)).length).toBeLessThanOrEqual(501);
  });
});
