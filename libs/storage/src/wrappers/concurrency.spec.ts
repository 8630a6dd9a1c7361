import { Readable } from 'node:stream';
import { MemoryBackend } from '../testing/memory-backend';
import { withConcurrencyLimit } from './concurrency';
import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  it('admits up to the limit and hands slots over in FIFO order', async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    const a = await semaphore.acquire();
    const b = await semaphore.acquire();
    const waiting = [3, 4].map((n) =>
      semaphore.acquire().then((release) => {
        order.push(n);
        return release;
      }),
    );
    expect(semaphore.waiting).toBe(2);
    a();
    a(); // a second release of the same slot is ignored
    const third = await waiting[0];
    expect(order).toEqual([3]);
    expect(semaphore.inUse).toBe(2);
    b();
    third();
    (await waiting[1])();
    expect(order).toEqual([3, 4]);
    expect(semaphore.inUse).toBe(0);
  });

  it('rejects a limit below one', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});

describe('ConcurrencyLimitedBackend', () => {
  it('never runs more calls than the limit, and a download holds its slot until the stream ends', async () => {
    const memory = new MemoryBackend();
    let running = 0;
    let peak = 0;
    const inner = memory.stat.bind(memory);
    memory.stat = async (key) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      return inner(key);
    };
    const limited = withConcurrencyLimit(memory, 3);
    await Promise.all(Array.from({ length: 12 }, () => limited.stat('x')));
    expect(peak).toBe(3);

    await memory.put('object', Readable.from([Buffer.alloc(10_000)]));
    const one = withConcurrencyLimit(memory, 1);
    const first = await one.get('object');
    let secondOpened = false;
    const second = one.get('object').then((stream) => {
      secondOpened = true;
      return stream;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(secondOpened).toBe(false);
    for await (const _chunk of first) {
      // consume the first download to release its slot
    }
    const stream = await second;
    expect(secondOpened).toBe(true);
    stream.destroy();
  });
});
