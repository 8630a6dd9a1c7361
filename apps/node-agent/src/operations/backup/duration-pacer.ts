import { TokenBucket } from '@daedalus/storage';

/** Below this a paced upload never goes: a few bytes a second would only stall it. */
export const MIN_PACED_BYTES_PER_SECOND = 64 * 1024;

/**
 * Icarus's `duration` on a backup: the upload is spread to finish within it, at rate = remaining bytes /
 * remaining time, recomputed as it goes (so a slow start is made up later), never above `bandwidth` when one
 * is set. When the time is up the rest goes as fast as allowed: the backup is late, not aborted.
 */
export class DurationPacer {
  readonly bucket: TokenBucket;
  private total = 0;

  constructor(
    private readonly deadlineMs: number,
    private readonly capBytesPerSecond: number | undefined,
    private readonly now: () => number,
  ) {
    this.bucket = new TokenBucket(capBytesPerSecond ?? Infinity);
  }

  /** The bytes the upload will send; the pace starts from them. */
  start(totalBytes: number): void {
    this.total = totalBytes;
    this.update(0);
  }

  /** After progress: the rate for what is left. Returns the rate set (bytes per second). */
  update(doneBytes: number, totalBytes = this.total): number {
    this.total = totalBytes;
    const remainingBytes = Math.max(0, totalBytes - doneBytes);
    const remainingSeconds = (this.deadlineMs - this.now()) / 1000;
    const cap = this.capBytesPerSecond ?? Infinity;
    const rate = remainingSeconds <= 0 ? cap : Math.min(cap, Math.max(MIN_PACED_BYTES_PER_SECOND, remainingBytes / remainingSeconds));
    if (rate !== this.bucket.bytesPerSecond) this.bucket.setRate(rate);
    return rate;
  }
}
