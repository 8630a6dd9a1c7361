/**
 * Retries retryable errors with exponential backoff, jitter, a bound on attempts and on total time.
 * Not-found and permanent errors (including integrity failures) are returned at once.
 *
 * - put: retried only when the source is a factory (`() => Readable`), which is re-opened for every
 *   attempt; a plain Readable gets one attempt because it cannot be rewound without buffering.
 * - get: opening is retried; a retryable error in the middle of the download resumes from the byte
 *   reached with a range request, so a 5 GB download does not restart from zero. `expected` is
 *   verified over the stitched stream. Without `expected`, an object replaced between attempts
 *   would go unnoticed — callers who care pass `expected` (backups do).
 * - list: restarted after an error, skipping keys already yielded (lists are in key order).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { GetOptions, ListEntry, ListOptions, ObjectInfo, PutOptions, PutResult, PutSource, StorageBackend } from '../backend';
import { AlreadyExistsError } from '../errors';
import { VerifyingStream } from '../hashing';
import { compareKeys } from '../keys';
import { ForwardingBackend } from './forwarding';

export interface RetryPolicy {
  /** Attempts in total, including the first. */
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  multiplier?: number;
  /** No new attempt starts after this much time since the first one. */
  maxElapsedMs?: number;
  /** Equal jitter: a delay is drawn from [d/2, d]. Spreads retries of many concurrent transfers. */
  jitter?: boolean;
}

export interface RetryEvent {
  operation: string;
  key?: string;
  /** The attempt that failed, 1-based. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  onRetry?: (event: RetryEvent) => void;
}

export const DEFAULT_RETRY_POLICY: Required<RetryPolicy> = {
  maxAttempts: 5,
  initialDelayMs: 200,
  maxDelayMs: 10_000,
  multiplier: 2,
  maxElapsedMs: 5 * 60_000,
  jitter: true,
};

/** Delay before retry number `retry` (1 = the first retry). */
export function backoffDelay(retry: number, policy: Required<RetryPolicy>, random: () => number): number {
  const exponential = policy.initialDelayMs * policy.multiplier ** (retry - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return policy.jitter ? capped / 2 + random() * (capped / 2) : capped;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Tracks attempts and elapsed time of one logical operation. */
class RetryBudget {
  private readonly started: number;
  attempt = 0;

  constructor(
    private readonly policy: Required<RetryPolicy>,
    private readonly hooks: Required<Omit<RetryHooks, 'onRetry'>> & RetryHooks,
  ) {
    this.started = hooks.now();
  }

  /** Waits before the next attempt, or returns false when the budget is spent. */
  async next(operation: string, key: string | undefined, error: unknown): Promise<boolean> {
    this.attempt += 1;
    if (this.attempt >= this.policy.maxAttempts) return false;
    const delayMs = backoffDelay(this.attempt, this.policy, this.hooks.random);
    if (this.hooks.now() - this.started + delayMs > this.policy.maxElapsedMs) return false;
    this.hooks.onRetry?.({ operation, key, attempt: this.attempt, delayMs, error });
    await this.hooks.sleep(delayMs);
    return true;
  }

  /** Progress was made (bytes or entries delivered): the attempt count starts over, the time bound does not. */
  progressed(): void {
    this.attempt = 0;
  }
}

export class RetryingBackend extends ForwardingBackend {
  private readonly policy: Required<RetryPolicy>;
  private readonly hooks: Required<Omit<RetryHooks, 'onRetry'>> & RetryHooks;

  constructor(inner: StorageBackend, policy: RetryPolicy = {}, hooks: RetryHooks = {}) {
    super(inner);
    this.policy = { ...DEFAULT_RETRY_POLICY, ...policy };
    if (this.policy.maxAttempts < 1) throw new RangeError('maxAttempts must be at least 1');
    this.hooks = { sleep: realSleep, now: Date.now, random: Math.random, ...hooks };
  }

  /** Runs `fn` until it succeeds, fails non-retryably, or the budget is spent. */
  async run<T>(operation: string, key: string | undefined, fn: (attempt: number) => Promise<T>): Promise<T> {
    const budget = new RetryBudget(this.policy, this.hooks);
    for (;;) {
      try {
        return await fn(budget.attempt + 1);
      } catch (error) {
        if (this.inner.classifyError(error) !== 'retryable' || !(await budget.next(operation, key, error))) throw error;
      }
    }
  }

  override ensureBucket(options: { create: boolean }): Promise<void> {
    return this.run('ensureBucket', undefined, () => this.inner.ensureBucket(options));
  }

  override async put(key: string, source: PutSource, options: PutOptions = {}): Promise<PutResult> {
    if (typeof source !== 'function') return this.inner.put(key, source, options);
    let failedBefore = false;
    return this.run('put', key, async () => {
      try {
        return await this.inner.put(key, source, options);
      } catch (error) {
        // A retry after a lost response may find the object we wrote ourselves.
        if (error instanceof AlreadyExistsError && failedBefore && options.sha256) {
          const mine = await this.isOwnWrite(key, options.sha256, options.size);
          if (mine) return mine;
        }
        failedBefore = true;
        throw error;
      }
    });
  }

  /**
   * Whether the object at `key` has exactly the expected content: by its sha256 metadata, or, where the
   * provider keeps none, by reading it. Errors count as "no" — the caller then reports AlreadyExists.
   */
  private async isOwnWrite(key: string, sha256: string, size: number | undefined): Promise<PutResult | undefined> {
    try {
      const info = await this.inner.stat(key);
      if (!info || (size !== undefined && info.size !== size)) return undefined;
      if (info.sha256 === undefined) {
        const stream = await this.inner.get(key, { expected: { size: info.size, sha256 } });
        for await (const _chunk of stream) {
          // drained only to verify
        }
      } else if (info.sha256 !== sha256) {
        return undefined;
      }
      return { key, size: info.size, sha256, etag: info.etag };
    } catch {
      return undefined;
    }
  }

  override async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const rangeStart = options.range?.start ?? 0;
    const rangeEnd = options.range?.end;
    const open = (offset: number): Promise<Readable> =>
      this.inner.get(key, {
        range: offset === 0 && !options.range ? undefined : { start: rangeStart + offset, end: rangeEnd },
      });
    const budget = new RetryBudget(this.policy, this.hooks);
    const openWithRetry = async (offset: number): Promise<Readable> => {
      for (;;) {
        try {
          return await open(offset);
        } catch (error) {
          if (this.inner.classifyError(error) !== 'retryable' || !(await budget.next('get', key, error))) throw error;
        }
      }
    };
    const first = await openWithRetry(0);
    const expectedSize = options.expected?.size;
    const classify = (error: unknown): string => this.inner.classifyError(error);
    async function* resumingChunks(): AsyncGenerator<Buffer> {
      let stream = first;
      let offset = 0;
      for (;;) {
        try {
          for await (const chunk of stream as AsyncIterable<Buffer>) {
            offset += chunk.length;
            budget.progressed();
            yield chunk;
          }
          return;
        } catch (error) {
          stream.destroy();
          const complete = expectedSize !== undefined && offset >= expectedSize;
          if (complete) return;
          if (classify(error) !== 'retryable' || !(await budget.next('get', key, error))) throw error;
          stream = await openWithRetry(offset);
        }
      }
    }
    const verify = new VerifyingStream(options.expected, { provider: this.inner.capabilities.provider, key, operation: 'get' }, false);
    pipeline(Readable.from(resumingChunks(), { objectMode: false }), verify, () => undefined);
    return verify;
  }

  override stat(key: string): Promise<ObjectInfo | undefined> {
    return this.run('stat', key, () => this.inner.stat(key));
  }

  override async *list(prefix: string, options?: ListOptions): AsyncIterable<ListEntry> {
    const budget = new RetryBudget(this.policy, this.hooks);
    let last: string | undefined;
    for (;;) {
      try {
        for await (const entry of this.inner.list(prefix, options)) {
          if (last !== undefined && compareKeys(entry.key, last) <= 0) continue;
          last = entry.key;
          budget.progressed();
          yield entry;
        }
        return;
      } catch (error) {
        if (this.inner.classifyError(error) !== 'retryable' || !(await budget.next('list', undefined, error))) throw error;
      }
    }
  }

  override delete(key: string): Promise<void> {
    return this.run('delete', key, () => this.inner.delete(key));
  }
}

/** Convenience: `withRetry(backend, {maxAttempts: 8})`. */
export function withRetry(inner: StorageBackend, policy?: RetryPolicy, hooks?: RetryHooks): RetryingBackend {
  return new RetryingBackend(inner, policy, hooks);
}
