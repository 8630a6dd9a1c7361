/**
 * Limits how many calls run against the inner backend at once. A get holds its slot until the
 * returned stream has ended, failed or been destroyed — a transfer in progress is a call in progress;
 * list holds a slot while it waits for each entry (page fetches), not while the caller works.
 */
import { finished, Readable } from 'node:stream';
import {
  EnsureBucketOptions,
  GetOptions,
  ListEntry,
  ListOptions,
  ObjectInfo,
  PutOptions,
  PutResult,
  PutSource,
  StorageBackend,
} from '../backend';
import { ForwardingBackend } from './forwarding';
import { Semaphore } from './semaphore';

export class ConcurrencyLimitedBackend extends ForwardingBackend {
  readonly semaphore: Semaphore;

  constructor(inner: StorageBackend, limit: number) {
    super(inner);
    this.semaphore = new Semaphore(limit);
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.semaphore.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  override ensureBucket(options: EnsureBucketOptions): Promise<void> {
    return this.limited(() => this.inner.ensureBucket(options));
  }

  override put(key: string, source: PutSource, options?: PutOptions): Promise<PutResult> {
    return this.limited(() => this.inner.put(key, source, options));
  }

  override async get(key: string, options?: GetOptions): Promise<Readable> {
    const release = await this.semaphore.acquire();
    try {
      const stream = await this.inner.get(key, options);
      finished(stream, () => release());
      return stream;
    } catch (error) {
      release();
      throw error;
    }
  }

  override stat(key: string): Promise<ObjectInfo | undefined> {
    return this.limited(() => this.inner.stat(key));
  }

  override async *list(prefix: string, options?: ListOptions): AsyncIterable<ListEntry> {
    const iterator = this.inner.list(prefix, options)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await this.limited(() => iterator.next());
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }

  override delete(key: string): Promise<void> {
    return this.limited(() => this.inner.delete(key));
  }
}

export function withConcurrencyLimit(inner: StorageBackend, limit: number): ConcurrencyLimitedBackend {
  return new ConcurrencyLimitedBackend(inner, limit);
}
