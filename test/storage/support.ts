/** Helpers shared by the storage tests: deterministic content, stream collection, hashing. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
// Relative, not the @daedalus alias: the benchmark loads this file under plain ts-node.
import { seededRandom } from '../../libs/storage/src/wrappers/fault-injection';

/** Deterministic pseudo-random bytes, produced chunk by chunk (never the whole object in memory). */
export function generatedStream(size: number, seed: number, chunkSize = 256 * 1024): Readable {
  const random = seededRandom(seed);
  let produced = 0;
  return new Readable({
    read() {
      if (produced >= size) {
        this.push(null);
        return;
      }
      const length = Math.min(chunkSize, size - produced);
      const chunk = Buffer.allocUnsafe(length);
      for (let i = 0; i < length; i += 4) {
        const value = (random() * 0x100000000) >>> 0;
        chunk[i] = value & 0xff;
        if (i + 1 < length) chunk[i + 1] = (value >>> 8) & 0xff;
        if (i + 2 < length) chunk[i + 2] = (value >>> 16) & 0xff;
        if (i + 3 < length) chunk[i + 3] = value >>> 24;
      }
      produced += length;
      this.push(chunk);
    },
  });
}

export async function sha256OfStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

export async function collect(stream: Readable): Promise<Buffer> {
  return Buffer.concat(await collectChunks(stream));
}

/** The chunks a stream delivers, as it delivered them. */
export async function collectChunks(stream: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return chunks;
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A stream that yields the given chunks one by one, so its length is unknown to the consumer. */
export function chunked(...chunks: Buffer[]): Readable {
  return Readable.from(chunks, { objectMode: false });
}

/** Awaits a promise expected to reject and returns the error (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

export async function keysOf(iterable: AsyncIterable<{ key: string }>): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of iterable) keys.push(entry.key);
  return keys;
}
