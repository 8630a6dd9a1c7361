/** Object key rules shared by every provider, so a key valid on one backend is valid on all. */
import { StorageError } from './errors';

const MAX_KEY_BYTES = 1024;

/** Throws a permanent StorageError naming what is wrong with the key. */
export function validateKey(key: string, provider: string): void {
  const problem = keyProblem(key);
  if (problem)
    throw new StorageError('permanent', `${provider}: invalid key ${JSON.stringify(key)}: ${problem}`, {
      provider,
      key,
      code: 'invalid-key',
    });
}

function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'it is empty';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `it is longer than ${MAX_KEY_BYTES} bytes`;
  if (key.startsWith('/')) return 'it starts with "/" (keys are relative to the bucket)';
  if (key.includes('\\')) return 'it contains a backslash';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'it contains a control character';
  for (const segment of key.split('/')) {
    if (segment === '') return 'it has an empty segment ("//" or a trailing "/")';
    if (segment === '.' || segment === '..') return `it has a "${segment}" segment`;
  }
  return undefined;
}

/** A list prefix is a key prefix: may be empty or end with '/', but must not escape the bucket. */
export function validatePrefix(prefix: string, provider: string): void {
  if (prefix === '') return;
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const problem = keyProblem(trimmed);
  if (problem)
    throw new StorageError('permanent', `${provider}: invalid list prefix ${JSON.stringify(prefix)}: ${problem}`, {
      provider,
      code: 'invalid-key',
    });
}

/** Orders keys the way S3, GCS and Azure list them: by UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
