/**
 * A KV bucket in memory for unit tests: a `JsonStore` held to the same contract suite as the NATS-backed
 * `JsonKv` (test/messaging/kv-contract.ts). Like NATS KV it keeps values as JSON (a reader gets a copy), gives
 * every write the next revision of the bucket, stamps it with the server's clock, updates by compare-and-set on
 * the revision (a concurrent writer makes `mutate` re-read and apply again), keeps a delete as a marker (`keys`
 * still lists the key, `get` and `values` skip it, `create` may write it again).
 *
 * `beforeWrite` lets a test interleave another writer just before a write lands.
 */
import { Clock, SystemClock } from '@daedalus/common';
import { RetryableError } from '../errors';
import { JsonStore, MutateOptions, Mutation, Versioned } from '../json-kv';

interface Entry {
  /** undefined: the last entry is a delete marker */
  json?: string;
  revision: number;
  storedAt: Date;
}

export class MemoryJsonKv<T> implements JsonStore<T> {
  private readonly entries = new Map<string, Entry>();
  private lastRevision = 0;
  /** called (and awaited) just before each write, with what is about to be written */
  beforeWrite?: (key: string, operation: 'put' | 'delete') => void | Promise<void>;

  constructor(
    private readonly clock: Clock = new SystemClock(),
    private readonly maxCasAttempts = 20,
  ) {}

  async get(key: string): Promise<Versioned<T> | undefined> {
    const entry = this.entries.get(key);
    if (entry?.json === undefined) return undefined;
    return { key, value: JSON.parse(entry.json) as T, revision: entry.revision, storedAt: new Date(entry.storedAt) };
  }

  async create(key: string, value: T): Promise<boolean> {
    await this.beforeWrite?.(key, 'put');
    if (this.entries.get(key)?.json !== undefined) return false;
    this.write(key, JSON.stringify(value));
    return true;
  }

  async put(key: string, value: T): Promise<void> {
    await this.beforeWrite?.(key, 'put');
    this.write(key, JSON.stringify(value));
  }

  async mutate(key: string, mutation: Mutation<T>, options: MutateOptions = {}): Promise<T | undefined> {
    for (let attempt = 1; attempt <= this.maxCasAttempts; attempt++) {
      const bucketLast = this.lastRevision;
      const current = await this.get(key);
      if (!current) return undefined;
      const next = mutation(current.value, {
        revision: current.revision,
        ...(options.pinRevision ? { nextRevision: bucketLast + 1 } : {}),
      });
      if (next === undefined) return current.value;
      await this.beforeWrite?.(key, 'put');
      // compare-and-set: only if nobody wrote the key (with a pinned revision: the bucket) since it was read
      const unchanged = options.pinRevision ? this.lastRevision === bucketLast : this.entries.get(key)?.revision === current.revision;
      if (unchanged) {
        this.write(key, JSON.stringify(next));
        return JSON.parse(JSON.stringify(next)) as T;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
    throw new RetryableError(`too many concurrent updates of ${key}`);
  }

  async keys(): Promise<string[]> {
    return [...this.entries.keys()];
  }

  async values(): Promise<Array<Versioned<T>>> {
    const values = await Promise.all([...this.entries.keys()].map((key) => this.get(key)));
    return values.filter((entry): entry is Versioned<T> => entry !== undefined);
  }

  async delete(key: string): Promise<void> {
    await this.beforeWrite?.(key, 'delete');
    this.write(key, undefined);
  }

  async erase(key: string): Promise<void> {
    await this.beforeWrite?.(key, 'delete');
    this.entries.delete(key);
  }

  private write(key: string, json: string | undefined): void {
    this.entries.set(key, { json, revision: ++this.lastRevision, storedAt: this.clock.now() });
  }
}
