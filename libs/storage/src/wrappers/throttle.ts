/**
 * Bandwidth throttle: one token bucket (bytes per second) shared by every upload and download that
 * goes through the same wrapper instance, so N parallel transfers together stay under the rate
 * (Icarus's `bandwidth` applies to the whole operation, not to each file).
 */
import { Readable, Transform, TransformCallback, pipeline } from 'node:stream';
import { GetOptions, openSource, PutOptions, PutResult, PutSource, StorageBackend } from '../backend';
import { ForwardingBackend } from './forwarding';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Tokens are bytes; they refill at `rate` per second up to `burst`. A request larger than the
 * balance goes into debt and waits until the debt is paid, which keeps callers in arrival order
 * (later callers see the deeper debt) and lets chunks larger than the burst through.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private rate: number;
  burst: number;

  constructor(
    bytesPerSecond: number,
    private readonly fixedBurst?: number,
    private readonly clock: Clock = realClock,
  ) {
    this.rate = TokenBucket.checked(bytesPerSecond);
    this.burst = this.burstFor(bytesPerSecond);
    this.tokens = this.burst;
    this.last = clock.now();
  }

  private static checked(bytesPerSecond: number): number {
    if (!(bytesPerSecond > 0) || Number.isNaN(bytesPerSecond))
      throw new RangeError(`rate must be a positive number of bytes per second, got ${bytesPerSecond}`);
    return bytesPerSecond;
  }

  private burstFor(bytesPerSecond: number): number {
    return this.fixedBurst ?? (Number.isFinite(bytesPerSecond) ? Math.max(64 * 1024, bytesPerSecond / 10) : Infinity);
  }

  get bytesPerSecond(): number {
    return this.rate;
  }

  /**
   * Changes the rate from now on (a paced upload raises or lowers it as it goes); Infinity lets everything
   * through. Debt already owed is kept, so a lowered rate cannot be dodged by a caller already waiting.
   */
  setRate(bytesPerSecond: number): void {
    this.refill();
    this.rate = TokenBucket.checked(bytesPerSecond);
    this.burst = this.burstFor(bytesPerSecond);
    this.tokens = Math.min(this.tokens, this.burst);
  }

  private refill(): void {
    const now = this.clock.now();
    // unlimited: no debt, a full bucket (and no Infinity × 0 when no time passed)
    this.tokens = this.rate === Infinity ? this.burst : Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /** Waits until `bytes` may pass. */
  async take(bytes: number): Promise<void> {
    if (this.rate === Infinity) return;
    this.refill();
    this.tokens -= bytes;
    if (this.tokens >= 0) return;
    await this.clock.sleep((-this.tokens / this.rate) * 1000);
  }
}

/** Passes chunks on only as fast as the bucket allows. */
export class ThrottleStream extends Transform {
  constructor(private readonly bucket: TokenBucket) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bucket.take(chunk.length).then(() => callback(null, chunk), callback);
  }
}

export class ThrottledBackend extends ForwardingBackend {
  readonly bucket: TokenBucket;

  /** A number makes a bucket of that rate; a bucket given is shared (its owner may change its rate). */
  constructor(inner: StorageBackend, rate: number | TokenBucket, clock?: Clock) {
    super(inner);
    this.bucket = rate instanceof TokenBucket ? rate : new TokenBucket(rate, undefined, clock);
  }

  override put(key: string, source: PutSource, options?: PutOptions): Promise<PutResult> {
    const throttled = (): Readable => this.throttle(openSource(source));
    // Keep the factory shape so a retry wrapper outside this one can still re-open the source.
    // a local copy would bypass the meter: the bytes go through the throttled stream instead
    const metered = options?.localFile === undefined ? options : { ...options, localFile: undefined };
    return this.inner.put(key, typeof source === 'function' ? throttled : throttled(), metered);
  }

  override async get(key: string, options?: GetOptions): Promise<Readable> {
    return this.throttle(await this.inner.get(key, options));
  }

  private throttle(stream: Readable): Readable {
    const throttle = new ThrottleStream(this.bucket);
    pipeline(stream, throttle, () => undefined);
    return throttle;
  }
}

export function withThrottle(inner: StorageBackend, rate: number | TokenBucket, clock?: Clock): ThrottledBackend {
  return new ThrottledBackend(inner, rate, clock);
}
