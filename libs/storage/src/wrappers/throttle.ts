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
  readonly burst: number;

  constructor(
    readonly bytesPerSecond: number,
    burst?: number,
    private readonly clock: Clock = realClock,
  ) {
    if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond))
      throw new RangeError(`rate must be a positive number of bytes per second, got ${bytesPerSecond}`);
    this.burst = burst ?? Math.max(64 * 1024, bytesPerSecond / 10);
    this.tokens = this.burst;
    this.last = clock.now();
  }

  /** Waits until `bytes` may pass. */
  async take(bytes: number): Promise<void> {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond);
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens >= 0) return;
    await this.clock.sleep((-this.tokens / this.bytesPerSecond) * 1000);
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

  constructor(inner: StorageBackend, bytesPerSecond: number, clock?: Clock) {
    super(inner);
    this.bucket = new TokenBucket(bytesPerSecond, undefined, clock);
  }

  override put(key: string, source: PutSource, options?: PutOptions): Promise<PutResult> {
    const throttled = (): Readable => this.throttle(openSource(source));
    // Keep the factory shape so a retry wrapper outside this one can still re-open the source.
    return this.inner.put(key, typeof source === 'function' ? throttled : throttled(), options);
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

export function withThrottle(inner: StorageBackend, bytesPerSecond: number, clock?: Clock): ThrottledBackend {
  return new ThrottledBackend(inner, bytesPerSecond, clock);
}
