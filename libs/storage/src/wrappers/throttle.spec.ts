import { Readable } from 'node:stream';
import { MemoryBackend } from '../testing/memory-backend';
import { Clock, TokenBucket, withThrottle } from './throttle';

function fakeClock(): Clock & { slept: number[]; advance(ms: number): void } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('TokenBucket', () => {
  it('lets the burst through at once, then paces at the rate', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1000, 500, clock);
    await bucket.take(500);
    expect(clock.slept).toEqual([]);
    await bucket.take(250);
    expect(clock.slept).toEqual([250]);
    await bucket.take(1000);
    expect(clock.slept).toEqual([250, 1000]);
  });

  it('refills while idle, but never above the burst', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1000, 500, clock);
    await bucket.take(500);
    clock.advance(10_000);
    await bucket.take(500);
    await bucket.take(100);
    expect(clock.slept).toEqual([100]);
  });

  it('makes concurrent takers share the rate in arrival order', async () => {
    const clock = fakeClock();
    // All three ask at the same instant: time does not move between their calls.
    const frozen: Clock = { now: clock.now, sleep: async (ms) => void clock.slept.push(ms) };
    const bucket = new TokenBucket(1000, 100, frozen);
    await Promise.all([bucket.take(100), bucket.take(500), bucket.take(500)]);
    // The second waits for its 500 bytes, the third for both debts: 0.5 s and 1 s.
    expect(clock.slept).toEqual([500, 1000]);
  });

  it('changes its rate as its owner paces it, from unlimited to a rate and back, keeping debts', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(Infinity, 100, clock);
    await bucket.take(10_000_000);
    expect(clock.slept).toEqual([]);
    bucket.setRate(1000);
    await bucket.take(600);
    expect(clock.slept).toEqual([500]);
    bucket.setRate(2000);
    await bucket.take(2000);
    expect(clock.slept).toEqual([500, 1000]);
    bucket.setRate(Infinity);
    await bucket.take(1_000_000);
    expect(clock.slept).toEqual([500, 1000]);
    expect(() => bucket.setRate(-1)).toThrow(RangeError);
  });

  it('rejects nonsense rates', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.NaN)).toThrow(RangeError);
  });
});

describe('ThrottledBackend', () => {
  it('holds all transfers together to the configured rate (real time)', async () => {
    const memory = new MemoryBackend();
    const throttled = withThrottle(memory, 2 * 1024 * 1024); // 2 MiB/s, burst 204.8 KiB
    const data = Buffer.alloc(256 * 1024, 7);
    const started = Date.now();
    await Promise.all(
      [0, 1, 2, 3].map((i) => throttled.put(`o${i}`, () => Readable.from([data.subarray(0, 128 * 1024), data.subarray(128 * 1024)]))),
    );
    const elapsed = Date.now() - started;
    // 1 MiB in total at 2 MiB/s, less the initial burst: at least ~400 ms.
    expect(elapsed).toBeGreaterThanOrEqual(380);
    // Only catches a throttle off by an order of magnitude: timers run late on a loaded CI machine.
    expect(elapsed).toBeLessThan(5_000);
    for (let i = 0; i < 4; i++) expect(memory.objects.get(`o${i}`)?.data.equals(data)).toBe(true);
  }, 20_000);
});
