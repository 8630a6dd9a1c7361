import { DurationPacer, MIN_PACED_BYTES_PER_SECOND } from './duration-pacer';

const MiB = 1024 * 1024;

describe('a backup paced by duration', () => {
  it('sends at remaining bytes / remaining time, recomputed as it goes', () => {
    let now = 0;
    const pacer = new DurationPacer(100_000, undefined, () => now);
    pacer.start(100 * MiB);
    expect(pacer.bucket.bytesPerSecond).toBe(MiB); // 100 MiB over 100 s
    now = 50_000;
    // behind: 80 MiB left in 50 s
    expect(pacer.update(20 * MiB)).toBeCloseTo((80 * MiB) / 50);
    // ahead: 10 MiB left in 50 s
    expect(pacer.update(90 * MiB)).toBeCloseTo((10 * MiB) / 50);
  });

  it('never exceeds bandwidth, never crawls, and goes as fast as allowed once the time is up', () => {
    let now = 0;
    const capped = new DurationPacer(10_000, 2 * MiB, () => now);
    capped.start(100 * MiB);
    expect(capped.bucket.bytesPerSecond).toBe(2 * MiB);
    const slow = new DurationPacer(3_600_000, undefined, () => now);
    slow.start(1024);
    expect(slow.bucket.bytesPerSecond).toBe(MIN_PACED_BYTES_PER_SECOND);
    now = 20_000;
    expect(capped.update(50 * MiB)).toBe(2 * MiB);
    const uncapped = new DurationPacer(10_000, undefined, () => now);
    expect(uncapped.update(0, 100 * MiB)).toBe(Infinity);
  });

  it('really spreads transfers: the bucket makes a caller wait at the paced rate', async () => {
    const now = 0;
    const pacer = new DurationPacer(1_000, undefined, () => now);
    pacer.start(4 * MiB);
    const started = Date.now();
    // the burst is a tenth of a second's worth; 1 MiB more takes ~(1 MiB - burst) / 4 MiB/s
    await pacer.bucket.take(MiB);
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
  });
});
