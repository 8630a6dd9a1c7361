import { JetStreamApiError, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { retry } from '@daedalus/common';
import { RetryableError } from './errors';

const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);
/** between compare-and-set attempts: up to 20, 40, 80 ms, then up to 100 ms (full jitter) */
const CAS_BACKOFF = { initialDelayMs: 20, maxDelayMs: 100, jitter: 1 };

export interface Versioned<T> {
  key: string;
  value: T;
  revision: number;
  /** when the server stored this revision (server clock) */
  storedAt: Date;
}

function isCasConflict(error: unknown): boolean {
  return error instanceof JetStreamApiError && WRONG_LAST_SEQUENCE.has(error.code);
}

/**
 * Where a mutation applies: the revision it read and — when the update was asked to pin its revision — the
 * revision its write will have if it lands (a seal can then name it, see OperationStore).
 */
export interface MutationPoint {
  revision: number;
  nextRevision?: number;
}

/** Result of a mutation function: a new value to write, or `undefined` for "nothing to change". */
export type Mutation<T> = (current: T, at: MutationPoint) => T | undefined;

export interface MutateOptions {
  /**
   * Write only if nothing else was written to the bucket since the key was read, so the write lands at exactly
   * `nextRevision` (the bucket's last revision + 1). Updates of other keys then conflict too (retried).
   */
  pinRevision?: boolean;
}

/**
 * JSON values by key with compare-and-set updates: what the operation store and the node registry need from a
 * KV bucket. `JsonKv` keeps them in NATS; `MemoryJsonKv` (testing/) in memory. Both pass the same contract suite
 * (test/messaging/kv-contract.ts).
 */
export interface JsonStore<T> {
  /** undefined when the key was never written or its last entry is a delete */
  get(key: string): Promise<Versioned<T> | undefined>;
  /** Writes only if the key holds no value (never written, or deleted). Returns false when it did. */
  create(key: string, value: T): Promise<boolean>;
  put(key: string, value: T): Promise<void>;
  /** Applies `mutation` under compare-and-set. Returns the stored value (changed or not), or undefined if absent. */
  mutate(key: string, mutation: Mutation<T>, options?: MutateOptions): Promise<T | undefined>;
  /** Every key written, including keys whose last entry is a delete (`get` and `values` skip those). */
  keys(): Promise<string[]>;
  /** The entries that hold a value. */
  values(): Promise<Array<Versioned<T>>>;
  /** Idempotent. */
  delete(key: string): Promise<void>;
  /**
   * Removes the key with its whole history, leaving no delete marker: `keys` no longer lists it, so listing
   * costs what the live keys cost, not what every key ever written costs. Idempotent.
   */
  erase(key: string): Promise<void>;
}

/**
 * The keys of a KV bucket, from its stream's state in one request. The client's `kv.keys()` reads them with an
 * ordered consumer that counts on its pending count, and waits forever when a key is rewritten while it lists
 * (seen with nats-server 2.9.10 and a registration rewritten by heartbeats: 1 listing in 400 hung); it also
 * returns a rewritten key twice. Keys whose last entry is a delete marker are listed too: `get` skips them.
 */
export async function bucketKeys(jsm: JetStreamManager, bucket: string): Promise<string[]> {
  const prefix = `$KV.${bucket}.`;
  const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}>` });
  return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
}

/** The bucket behind a JsonKv, for listing keys and for compare-and-set on a JetStream cluster. */
export interface KvBucketRef {
  jsm: JetStreamManager;
  bucket: string;
  /** the bucket has more than one replica (a JetStream cluster): see `JsonKv.mutate` */
  replicated?: boolean;
}

/**
 * JSON values in a KV bucket with compare-and-set updates: `mutate` re-reads and retries on conflict,
 * a bounded number of times, so concurrent coordinators never overwrite each other's changes.
 */
export class JsonKv<T> implements JsonStore<T> {
  constructor(
    private readonly kv: KV,
    private readonly listing: KvBucketRef,
    private readonly maxCasAttempts = 20,
  ) {}

  async get(key: string): Promise<Versioned<T> | undefined> {
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return undefined;
    return { key, value: entry.json<T>(), revision: entry.revision, storedAt: entry.created };
  }

  /** Writes only if the key does not exist. Returns false when it already did. */
  async create(key: string, value: T): Promise<boolean> {
    try {
      await this.kv.create(key, JSON.stringify(value));
      return true;
    } catch (error) {
      if (isCasConflict(error)) return false;
      throw error;
    }
  }

  async put(key: string, value: T): Promise<void> {
    await this.kv.put(key, JSON.stringify(value));
  }

  /**
   * Applies `mutation` under compare-and-set. Returns the stored value (changed or not), or undefined if absent.
   *
   * On a replicated bucket the write also expects the whole stream to be where it was when the key was read.
   * A replicated stream of nats-server before the fix of nats-io/nats-server#4320 (2023; Debian's 2.9.10 among
   * them) checks a key's expected revision only before proposing the write, not when applying it: two updates from the same revision both succeed, and the later silently
   * undoes the earlier (measured on 2.9.10 with three servers: 100 of 100 rounds of six concurrent updates had
   * several winners). The stream's last sequence is checked when the write is applied (0 of 100), so a write
   * that anything else overtook fails as a conflict and is retried on a fresh read. Writes to other keys of the
   * bucket then conflict too: the price of a correct update, paid in retries.
   */
  async mutate(key: string, mutation: Mutation<T>, options: MutateOptions = {}): Promise<T | undefined> {
    const attempt = async (): Promise<T | undefined> => {
      const streamLast = this.listing.replicated || options.pinRevision ? await this.streamLastSequence() : undefined;
      const current = await this.get(key);
      if (!current) return undefined;
      const next = mutation(current.value, {
        revision: current.revision,
        ...(options.pinRevision && streamLast !== undefined ? { nextRevision: streamLast + 1 } : {}),
      });
      if (next === undefined) return current.value;
      if (streamLast === undefined) await this.kv.update(key, JSON.stringify(next), current.revision);
      else
        await this.listing.jsm.jetstream().publish(`$KV.${this.listing.bucket}.${key}`, JSON.stringify(next), {
          expect: { lastSubjectSequence: current.revision, lastSequence: streamLast },
        });
      return next;
    };
    try {
      // someone else changed it: re-read and apply again, after a short random wait so racers spread out
      return await retry(attempt, { attempts: this.maxCasAttempts, retryIf: isCasConflict, ...CAS_BACKOFF });
    } catch (error) {
      if (isCasConflict(error)) throw new RetryableError(`too many concurrent updates of ${key}`);
      throw error;
    }
  }

  /** The sequence of the bucket stream's last message, as its leader knows it. */
  private async streamLastSequence(): Promise<number> {
    return (await this.listing.jsm.streams.info(`KV_${this.listing.bucket}`)).state.last_seq;
  }

  async keys(): Promise<string[]> {
    return bucketKeys(this.listing.jsm, this.listing.bucket);
  }

  async values(): Promise<Array<Versioned<T>>> {
    const keys = await this.keys();
    const entries = await Promise.all(keys.map((key) => this.get(key)));
    return entries.filter((entry): entry is Versioned<T> => entry !== undefined);
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
  }

  /**
   * A stream purge filtered on the key's subject. A KV `delete` or `purge` leaves a marker message per key
   * (nats-server 2.9 never expires them), which `bucketKeys` lists for ever; the filtered stream purge leaves
   * nothing (verified on 2.9.10: test/messaging/kv-contract.ts counts the stream's messages).
   */
  async erase(key: string): Promise<void> {
    await this.listing.jsm.streams.purge(`KV_${this.listing.bucket}`, { filter: `$KV.${this.listing.bucket}.${key}` });
  }
}
