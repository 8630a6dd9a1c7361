/**
 * Tells an observer about every request to the inner backend and every one that failed, with the provider's
 * name and the error's kind: what `daedalus_storage_request(_error)s_total` count. Stacked right over the
 * provider (inside retry), so each attempt counts; a download that fails mid-stream counts as a failed get.
 * Only bounded values are passed: no key, no bucket.
 */
import { Readable } from 'node:stream';
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
import { StorageError, StorageErrorKind } from '../errors';
import { ForwardingBackend } from './forwarding';

export type StorageRequestKind = 'ensureBucket' | 'put' | 'get' | 'stat' | 'list' | 'delete';

export interface StorageObserver {
  requested(provider: string, request: StorageRequestKind): void;
  failed(provider: string, request: StorageRequestKind, kind: StorageErrorKind): void;
}

export class ObservedBackend extends ForwardingBackend {
  /** the provider's scheme (`s3`, `gcp`, `azure`, `file`): a backend's name also holds its bucket, not a label */
  private readonly provider: string;

  constructor(
    inner: StorageBackend,
    private readonly observer: StorageObserver,
  ) {
    super(inner);
    this.provider = /^([a-z0-9]+):/.exec(inner.name)?.[1] ?? 'unknown';
  }

  override ensureBucket(options: EnsureBucketOptions): Promise<void> {
    return this.observed('ensureBucket', () => this.inner.ensureBucket(options));
  }

  override put(key: string, source: PutSource, options?: PutOptions): Promise<PutResult> {
    return this.observed('put', () => this.inner.put(key, source, options));
  }

  override async get(key: string, options?: GetOptions): Promise<Readable> {
    const stream = await this.observed('get', () => this.inner.get(key, options));
    stream.once('error', (error) => this.fail('get', error));
    return stream;
  }

  override stat(key: string): Promise<ObjectInfo | undefined> {
    return this.observed('stat', () => this.inner.stat(key));
  }

  override async *list(prefix: string, options?: ListOptions): AsyncIterable<ListEntry> {
    this.observer.requested(this.provider, 'list');
    try {
      yield* this.inner.list(prefix, options);
    } catch (error) {
      this.fail('list', error);
      throw error;
    }
  }

  override delete(key: string): Promise<void> {
    return this.observed('delete', () => this.inner.delete(key));
  }

  private async observed<T>(request: StorageRequestKind, call: () => Promise<T>): Promise<T> {
    this.observer.requested(this.provider, request);
    try {
      return await call();
    } catch (error) {
      this.fail(request, error);
      throw error;
    }
  }

  private fail(request: StorageRequestKind, error: unknown): void {
    const kind = error instanceof StorageError ? error.kind : this.inner.classifyError(error);
    this.observer.failed(this.provider, request, kind);
  }
}

export function withObserver(backend: StorageBackend, observer: StorageObserver): StorageBackend {
  return new ObservedBackend(backend, observer);
}
