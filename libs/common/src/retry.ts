/**
 * The one bounded retry of the code base (libs/storage keeps its own wrapper, which retries per storage call
 * and classifies provider errors). Every loop that waits and tries again uses `retry` or, when the attempts
 * are not calls of one function (a consumer that resubscribes), `Backoff` and `sleep`.
 */

export interface BackoffOptions {
  /** the wait after the first failure */
  initialDelayMs: number;
  /** no wait is longer than this */
  maxDelayMs: number;
  /** each wait is this many times the previous one (default 2) */
  factor?: number;
  /**
   * Share of each wait drawn at random, from 0 (none, the default) to 1 ("full jitter": anywhere from 0 to the
   * wait), so that many callers failing together do not retry together.
   */
  jitter?: number;
  /** in [0, 1); Math.random unless a test fixes it */
  random?: () => number;
}

/** Capped exponential waits, with optional jitter. `next()` gives the next wait; `reset()` starts again. */
export class Backoff {
  private waits = 0;

  constructor(private readonly options: BackoffOptions) {
    const { initialDelayMs, maxDelayMs, factor = 2, jitter = 0 } = options;
    if (!(initialDelayMs >= 0) || !(maxDelayMs >= initialDelayMs)) {
      throw new RangeError(`backoff needs 0 <= initialDelayMs <= maxDelayMs, got ${initialDelayMs} and ${maxDelayMs}`);
    }
    if (!(factor >= 1)) throw new RangeError(`backoff factor must be 1 or more, got ${factor}`);
    if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`backoff jitter must be from 0 to 1, got ${jitter}`);
  }

  /** How many waits were handed out since the start or the last reset. */
  get count(): number {
    return this.waits;
  }

  next(): number {
    const { initialDelayMs, maxDelayMs, factor = 2, jitter = 0, random = Math.random } = this.options;
    const capped = Math.min(maxDelayMs, initialDelayMs * factor ** Math.min(this.waits, 64));
    this.waits += 1;
    return Math.round(capped - capped * jitter * random());
  }

  reset(): void {
    this.waits = 0;
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryEvent {
  /** the attempt that failed (1 for the first) */
  attempt: number;
  error: unknown;
  /** the wait before the next attempt */
  delayMs: number;
}

interface RetryCommon extends BackoffOptions {
  /** which failures are worth another attempt (default: every one); any other is thrown at once */
  retryIf?: (error: unknown, attempt: number) => boolean;
  /** told before each wait, for the log */
  onRetry?: (event: RetryEvent) => void;
  /** stops the waiting (and any further attempt): `retry` rejects with the signal's reason */
  signal?: AbortSignal;
  /** the clock the deadline is read from (default Date.now) */
  now?: () => number;
  /** how to wait (default `sleep`); tests pass one that only advances their clock */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Bounded by the number of attempts (the first included), by a deadline, or both: never by neither. */
export type RetryOptions = RetryCommon & ({ attempts: number; deadlineMs?: number } | { attempts?: number; deadlineMs: number });

/**
 * Runs `work` until it succeeds, waiting (capped exponential backoff, optional jitter) after each failure
 * `retryIf` accepts. Gives up by rethrowing the last failure when the attempts are spent or when the next wait
 * would end past the deadline (`deadlineMs` after the start): a wait is never cut short to squeeze in one
 * more attempt, so the deadline bounds the whole call (plus the duration of the attempt running at it).
 */
export async function retry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { attempts, deadlineMs, retryIf, onRetry, signal } = options;
  if (attempts !== undefined && !(Number.isInteger(attempts) && attempts >= 1)) {
    throw new RangeError(`retry attempts must be a whole number of 1 or more, got ${attempts}`);
  }
  if (deadlineMs !== undefined && !(deadlineMs >= 0)) throw new RangeError(`retry deadlineMs must be 0 or more, got ${deadlineMs}`);
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  const deadline = deadlineMs === undefined ? Infinity : now() + deadlineMs;
  const backoff = new Backoff(options);
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await work(attempt);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (retryIf && !retryIf(error, attempt)) throw error;
      if (attempts !== undefined && attempt >= attempts) throw error;
      const delayMs = backoff.next();
      if (now() + delayMs > deadline) throw error;
      onRetry?.({ attempt, error, delayMs });
      await wait(delayMs, signal);
    }
  }
}
