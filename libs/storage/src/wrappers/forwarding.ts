/** Base for wrappers: forwards every call to the inner backend; subclasses override what they change. */
import { Readable } from 'node:stream';
import {
  Capabilities,
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
import { ErrorClass } from '../errors';

export abstract class ForwardingBackend implements StorageBackend {
  constructor(protected readonly inner: StorageBackend) {}

  get name(): string {
    return this.inner.name;
  }

  get capabilities(): Capabilities {
    return this.inner.capabilities;
  }

  ensureBucket(options: EnsureBucketOptions): Promise<void> {
    return this.inner.ensureBucket(options);
  }

  put(key: string, source: PutSource, options?: PutOptions): Promise<PutResult> {
    return this.inner.put(key, source, options);
  }

  get(key: string, options?: GetOptions): Promise<Readable> {
    return this.inner.get(key, options);
  }

  stat(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.stat(key);
  }

  list(prefix: string, options?: ListOptions): AsyncIterable<ListEntry> {
    return this.inner.list(prefix, options);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  classifyError(error: unknown): ErrorClass {
    return this.inner.classifyError(error);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
