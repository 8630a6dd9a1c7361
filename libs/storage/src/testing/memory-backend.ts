/**
 * In-memory backend for unit tests of code built on StorageBackend (wrappers here, backup/restore
 * elsewhere). It buffers whole objects, so it is for small test data only — never production. It is held to
 * the same contract suite as the real providers (test/storage/memory.spec.ts): the same key and range checks,
 * list entries with size and time, and downloads that are copies of what is stored.
 */
import { Readable } from 'node:stream';
import { Capabilities, GetOptions, ListEntry, ListOptions, ObjectInfo, PutOptions, PutResult, PutSource, StorageBackend } from '../backend';
import { AlreadyExistsError, classOfKind, ErrorClass, isStorageError, StorageError } from '../errors';
import { sha256Hex } from '../hashing';
import { compareKeys, validateKey, validatePrefix } from '../keys';
import { checkRange, guardDownload, tapPutSource } from '../providers/common';

export class MemoryBackend implements StorageBackend {
  readonly name = 'memory://test';
  readonly capabilities: Capabilities = {
    provider: 'memory',
    maxObjectSize: 64 * 1024 * 1024,
    multipart: false,
    atomicPut: true,
    conditionalPut: 'atomic',
    rangeReads: true,
    hashMetadata: 'always',
  };
  readonly objects = new Map<string, { data: Buffer; lastModified: Date; sha256: string }>();
  bucketExists = true;

  async ensureBucket(options: { create: boolean }): Promise<void> {
    if (this.bucketExists) return;
    if (!options.create) throw new StorageError('not-found', 'memory: bucket does not exist', { provider: 'memory' });
    this.bucketExists = true;
  }

  async put(key: string, source: PutSource, options: PutOptions = {}): Promise<PutResult> {
    validateKey(key, 'memory');
    const tap = tapPutSource(source, options, { provider: 'memory', key, operation: 'put' });
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of tap) chunks.push(chunk as Buffer);
    } catch (error) {
      throw isStorageError(error)
        ? error
        : new StorageError('retryable', `memory: put failed: ${String(error)}`, { provider: 'memory', key });
    }
    if (options.ifNotExists && this.objects.has(key)) throw new AlreadyExistsError({ provider: 'memory', key });
    const data = Buffer.concat(chunks);
    this.objects.set(key, { data, lastModified: new Date(), sha256: sha256Hex(data) });
    return { key, size: data.length, sha256: tap.digestHex };
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    validateKey(key, 'memory');
    const details = { provider: 'memory', key, operation: 'get' };
    const rangeProblem = checkRange(options.range);
    if (rangeProblem) throw new StorageError('permanent', `memory: ${rangeProblem}`, { ...details, code: 'invalid-range' });
    const object = this.objects.get(key);
    if (!object) throw new StorageError('not-found', `memory: no object ${JSON.stringify(key)}`, { provider: 'memory', key });
    const start = options.range?.start ?? 0;
    if (options.range && start >= object.data.length && !(start === 0 && object.data.length === 0)) {
      throw new StorageError('permanent', `memory: range start ${start} is beyond the object size ${object.data.length}`, {
        ...details,
        code: 'invalid-range',
        status: 416,
      });
    }
    const end = Math.min(options.range?.end ?? object.data.length - 1, object.data.length - 1);
    const slice = object.data.subarray(start, end + 1);
    // Several chunks, so stream-level faults can land mid-transfer; copies, as bytes off a wire are.
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < slice.length; offset += 1024) chunks.push(Buffer.from(slice.subarray(offset, offset + 1024)));
    return guardDownload(Readable.from(chunks, { objectMode: false }), options.expected, details, (e) => e as Error);
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    validateKey(key, 'memory');
    const object = this.objects.get(key);
    return object && { size: object.data.length, lastModified: object.lastModified, sha256: object.sha256 };
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ListEntry> {
    validatePrefix(prefix, 'memory');
    if (options.delimiter !== undefined && options.delimiter !== '/') {
      throw new StorageError('permanent', 'memory: only "/" is supported as a delimiter', { provider: 'memory', operation: 'list' });
    }
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort(compareKeys);
    const seen = new Set<string>();
    for (const key of keys) {
      const cut = options.delimiter ? key.indexOf(options.delimiter, prefix.length) : -1;
      if (cut >= 0) {
        const common = key.slice(0, cut + 1);
        if (!seen.has(common)) {
          seen.add(common);
          yield { key: common, isPrefix: true };
        }
      } else {
        const object = this.objects.get(key);
        if (object) yield { key, isPrefix: false, size: object.data.length, lastModified: object.lastModified };
      }
    }
  }

  async delete(key: string): Promise<void> {
    validateKey(key, 'memory');
    this.objects.delete(key);
  }

  classifyError(error: unknown): ErrorClass {
    return isStorageError(error) ? classOfKind(error.kind) : 'permanent';
  }

  async close(): Promise<void> {
    // nothing held
  }
}
