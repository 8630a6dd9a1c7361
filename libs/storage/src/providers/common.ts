/** Plumbing shared by the providers: the put tap and the get stream guard. */
import { createHash } from 'node:crypto';
import { pipeline, Readable, Transform } from 'node:stream';
import { ExpectedContent, openSource, PutOptions, PutSource } from '../backend';
import { StorageError, StorageErrorDetails } from '../errors';
import { VerifyingStream } from '../hashing';

/**
 * Opens the source and routes it through a tap that hashes and counts, and that fails before the
 * end of the stream if `options.size`/`options.sha256` do not match — so the provider's upload
 * fails before it commits the object.
 */
export function tapPutSource(source: PutSource, options: PutOptions, details: StorageErrorDetails): VerifyingStream {
  const input = openSource(source);
  const tap = new VerifyingStream({ size: options.size, sha256: options.sha256 }, details, true, true);
  // Errors of either side destroy both; the provider sees them on `tap`.
  pipeline(input, tap, () => undefined);
  return tap;
}

/**
 * Wraps a provider's download body: SDK stream errors are converted with `mapError` (so consumers
 * only ever see StorageErrors), the content is verified against `expected`, and destroying the
 * returned stream releases the body's socket.
 */
export function guardDownload(
  body: Readable,
  expected: ExpectedContent | undefined,
  details: StorageErrorDetails,
  mapError: (error: unknown) => Error,
): Readable {
  const out = new VerifyingStream(expected, details, false);
  body.on('error', (error) => out.destroy(mapError(error)));
  out.on('close', () => {
    if (!body.destroyed) body.destroy();
  });
  body.pipe(out);
  return out;
}

/** Byte range as an HTTP Range header value. */
export function rangeHeader(range: { start: number; end?: number }): string {
  return `bytes=${range.start}-${range.end ?? ''}`;
}

export function checkRange(range: { start: number; end?: number } | undefined): string | undefined {
  if (!range) return undefined;
  if (!Number.isSafeInteger(range.start) || range.start < 0) return `range start ${range.start} is not a non-negative integer`;
  if (range.end !== undefined && (!Number.isSafeInteger(range.end) || range.end < range.start)) {
    return `range end ${range.end} is before start ${range.start}`;
  }
  return undefined;
}

/**
 * Drops `skip` bytes, then passes at most `take` bytes (undefined: all). Used when a server answers
 * a range request with more than was asked for (some S3-compatible stores ignore `bytes=0-0`).
 */
export function sliceStream(source: Readable, skip: number, take: number | undefined): Readable {
  let toSkip = skip;
  let left = take ?? Number.POSITIVE_INFINITY;
  const slicer = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let part = chunk;
      if (toSkip > 0) {
        const dropped = Math.min(toSkip, part.length);
        toSkip -= dropped;
        part = part.subarray(dropped);
      }
      if (left <= 0 || part.length === 0) {
        callback();
        return;
      }
      if (part.length > left) part = part.subarray(0, left);
      left -= part.length;
      callback(null, part);
    },
  });
  source.on('error', (error) => slicer.destroy(error));
  slicer.on('close', () => {
    if (!source.destroyed) source.destroy();
  });
  source.pipe(slicer);
  return slicer;
}

/** A read with a KMS key found an object the store does not report encrypted with it. */
export function notEncryptedError(provider: string, key: string): StorageError {
  return new StorageError(
    'permanent',
    `${provider}: object ${JSON.stringify(key)} is not encrypted with the requested kmsKeyId (the store reports no such server-side encryption)`,
    { provider, key, operation: 'get', code: 'not-encrypted-with-key' },
  );
}

/**
 * A backend's name with a KMS key: the key's short fingerprint (never the key) sets it apart from the same
 * bucket written without the key or with another, so an upload in flight is shared only between backends that
 * write alike (the agent shares concurrent uploads of one object by backend name and key).
 */
export function nameWithKey(name: string, kmsKeyId: string | undefined): string {
  if (!kmsKeyId) return name;
  return `${name} (kms ${createHash('sha256').update(kmsKeyId).digest('hex').slice(0, 8)})`;
}
