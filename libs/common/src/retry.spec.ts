import { Backoff, retry, RetryEvent, RetryOptions, sleep } from './retry';

/** A clock that only moves when the code under test waits. */
function fakeTime() {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
  };
}

function failing(times: number, error: unknown = new Error('not yet')) {
  let calls = 0;
  const work = async (attempt: number) => {
    calls += 1;
    expect(attempt).toBe(calls);
    if (calls <= times) throw error;
    return `done after ${calls}`;
  };
  return { work, calls: () => calls };
}

describe('Backoff', () => {
  it('doubles from the initial wait up to the cap, and starts again after reset', () => {
    const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 500 });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 200, 400, 500, 500]);
    expect(backoff.count).toBe(5);
    backoff.reset();
    expect(backoff.count).toBe(0);
    expect(backoff.next()).toBe(100);
  });

  it('takes off a random share of each wait, at most the jitter share', () => {
    const full = new Backoff({ initialDelayMs: 100, maxDelayMs: 1_000, jitter: 1, random: () => 0.25 });
    expect([full.next(), full.next()]).toEqual([75, 150]);
    const half = new Backoff({ initialDelayMs: 100, maxDelayMs: 1_000, jitter: 0.5, random: () => 0.999 });
    expect(half.next()).toBe(50);
  });

  it('stays finite after very many waits', () => {
    const backoff = new Backoff({ initialDelayMs: 1, maxDelayMs: 10_000, factor: 10 });
    for (let i = 0; i < 1_000; i++) backoff.next();
    expect(backoff.next()).toBe(10_000);
  });

  it.each([
    [{ initialDelayMs: -1, maxDelayMs: 10 }],
    [{ initialDelayMs: 20, maxDelayMs: 10 }],
    [{ initialDelayMs: 1, maxDelayMs: 10, factor: 0.5 }],
    [{ initialDelayMs: 1, maxDelayMs: 10, jitter: 2 }],
  ])('refuses %j', (options) => {
    expect(() => new Backoff(options)).toThrow(RangeError);
  });
});

describe('retry', () => {
  const base = { initialDelayMs: 100, maxDelayMs: 400 };

  it('retries until the work succeeds, waiting with capped backoff, and tells about each retry', async () => {
    const time = fakeTime();
    const events: RetryEvent[] = [];
    const { work } = failing(4);
    await expect(retry(work, { ...base, ...time, attempts: 10, onRetry: (e) => events.push(e) })).resolves.toBe('done after 5');
    expect(time.slept).toEqual([100, 200, 400, 400]);
    expect(events.map((e) => [e.attempt, e.delayMs])).toEqual([
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 400],
    ]);
  });

  it('gives up with the last failure once the attempts are spent', async () => {
    const time = fakeTime();
    const last = new Error('still down');
    let calls = 0;
    const work = async () => {
      calls += 1;
      throw calls === 3 ? last : new Error('down');
    };
    await expect(retry(work, { ...base, ...time, attempts: 3 })).rejects.toBe(last);
    expect(calls).toBe(3);
    expect(time.slept).toEqual([100, 200]);
  });

  it('gives up rather than start a wait that would end past the deadline', async () => {
    const time = fakeTime();
    const { work, calls } = failing(100);
    await expect(retry(work, { ...base, ...time, deadlineMs: 1_000 })).rejects.toThrow('not yet');
    // 100 + 200 + 400 = 700 ms waited; the next 400 ms wait would pass the 1 s deadline
    expect(time.slept).toEqual([100, 200, 400]);
    expect(calls()).toBe(4);
  });

  it('stops at whichever bound comes first', async () => {
    const time = fakeTime();
    const { work, calls } = failing(100);
    await expect(retry(work, { ...base, ...time, deadlineMs: 60_000, attempts: 2 })).rejects.toThrow('not yet');
    expect(calls()).toBe(2);
  });

  it('throws at once what the classifier says is not worth retrying', async () => {
    const time = fakeTime();
    const permanent = new Error('bad password');
    const { work, calls } = failing(5, permanent);
    const retryIf = jest.fn((error: unknown) => error !== permanent);
    await expect(retry(work, { ...base, ...time, attempts: 10, retryIf })).rejects.toBe(permanent);
    expect(calls()).toBe(1);
    expect(retryIf).toHaveBeenCalledWith(permanent, 1);
    expect(time.slept).toEqual([]);
  });

  it('stops waiting when aborted, rejecting with the reason, and runs no further attempt', async () => {
    const controller = new AbortController();
    const { work, calls } = failing(100);
    const running = retry(work, { initialDelayMs: 60_000, maxDelayMs: 60_000, attempts: 5, signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('shutting down'));
    await expect(running).rejects.toThrow('shutting down');
    expect(calls()).toBe(1);
  });

  it('does not start when already aborted', async () => {
    const { work, calls } = failing(0);
    await expect(retry(work, { ...base, attempts: 3, signal: AbortSignal.abort(new Error('stopped')) })).rejects.toThrow('stopped');
    expect(calls()).toBe(0);
  });

  it('waits for real by default', async () => {
    const { work } = failing(2);
    const started = Date.now();
    await expect(retry(work, { initialDelayMs: 10, maxDelayMs: 10, attempts: 3 })).resolves.toBe('done after 3');
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });

  it.each([[{ attempts: 0 }], [{ attempts: 1.5 }], [{ deadlineMs: -1 }]])('refuses the bound %j', async (bound) => {
    await expect(retry(async () => 1, { ...base, ...bound } as RetryOptions)).rejects.toThrow(RangeError);
  });
});

describe('sleep', () => {
  it('resolves after the time, or rejects once aborted', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('enough'));
    await expect(waiting).rejects.toThrow('enough');
  });
});
