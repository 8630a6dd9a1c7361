import { Readable } from 'node:stream';
import { StorageError } from '../errors';
import { sha256Hex } from '../hashing';
import { MemoryBackend } from '../testing/memory-backend';
import { withFaults } from './fault-injection';
import { backoffDelay, DEFAULT_RETRY_POLICY, RetryHooks, withRetry } from './retry';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function fakeClock(): RetryHooks & { delays: number[]; time: () => number } {
  let now = 0;
  const delays: number[] = [];
  return {
    delays,
    time: () => now,
    now: () => now,
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
      now += ms;
    },
  };
}

describe('backoffDelay', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 100, maxDelayMs: 1000, jitter: false };
  it('doubles from the initial delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it('with jitter stays within [d/2, d]', () => {
    const jittered = { ...policy, jitter: true };
    expect(backoffDelay(3, jittered, () => 0)).toBe(200);
    expect(backoffDelay(3, jittered, () => 0.999999)).toBeCloseTo(400, 3);
  });
});

describe('RetryingBackend', () => {
  let memory: MemoryBackend;
  beforeEach(async () => {
    memory = new MemoryBackend();
    await memory.put('object', Readable.from([Buffer.from('0123456789'.repeat(1000))]));
  });

  it('retries retryable errors with growing delays until the call succeeds', async () => {
    const clock = fakeClock();
    // Fail the first three stats only.
    let failures = 3;
    const flaky = withFaults(memory, { rules: [] });
    flaky.stat = async (key: string) => {
      if (failures-- > 0) throw new StorageError('retryable', 'flaky', { provider: 'memory' });
      return memory.stat(key);
    };
    const events: number[] = [];
    const retrying = withRetry(flaky, { initialDelayMs: 100, jitter: false }, { ...clock, onRetry: (e) => events.push(e.attempt) });
    expect((await retrying.stat('object'))?.size).toBe(10_000);
    expect(clock.delays).toEqual([100, 200, 400]);
    expect(events).toEqual([1, 2, 3]);
  });

  it('stops after maxAttempts and rethrows the last error', async () => {
    const clock = fakeClock();
    const faults = withFaults(memory, { rules: [{ trigger: { every: 1 }, fault: { type: 'error' } }] });
    const retrying = withRetry(faults, { maxAttempts: 4, initialDelayMs: 10, jitter: false }, clock);
    await expect(retrying.stat('object')).rejects.toMatchObject({ kind: 'retryable' });
    expect(faults.calls.stat).toBe(4);
    expect(clock.delays).toEqual([10, 20, 40]);
  });

  it('stops when the next delay would pass maxElapsedMs', async () => {
    const clock = fakeClock();
    const faults = withFaults(memory, { rules: [{ trigger: { every: 1 }, fault: { type: 'error' } }] });
    const retrying = withRetry(faults, { maxAttempts: 100, initialDelayMs: 1000, multiplier: 2, maxElapsedMs: 5000, jitter: false }, clock);
    await expect(retrying.delete('object')).rejects.toThrow(StorageError);
    expect(clock.delays).toEqual([1000, 2000]); // a third wait (4000) would end past 5000 ms
    expect(faults.calls.delete).toBe(3);
  });

  it.each(['permanent', 'not-found'] as const)('does not retry %s errors', async (kind) => {
    const faults = withFaults(memory, { rules: [{ trigger: { nth: 1 }, fault: { type: 'error', kind } }] });
    const retrying = withRetry(faults, {}, fakeClock());
    await expect(retrying.stat('object')).rejects.toMatchObject({ kind });
    expect(faults.calls.stat).toBe(1);
  });

  it('re-opens a put source factory on every attempt, and tries a plain stream once', async () => {
    const faults = withFaults(memory, { rules: [{ operations: ['put'], trigger: { nth: 1 }, fault: { type: 'cut', afterBytes: 3 } }] });
    const retrying = withRetry(faults, {}, fakeClock());
    let opened = 0;
    const result = await retrying.put('factory', () => {
      opened += 1;
      return Readable.from([Buffer.from('hello world')]);
    });
    expect(opened).toBe(2);
    expect(result.sha256).toBe(sha256Hex('hello world'));

    const once = withFaults(memory, { rules: [{ operations: ['put'], trigger: { nth: 1 }, fault: { type: 'error' } }] });
    await expect(withRetry(once, {}, fakeClock()).put('stream', Readable.from([Buffer.from('x')]))).rejects.toMatchObject({
      kind: 'retryable',
    });
    expect(once.calls.put).toBe(1);
  });

  it('resumes a download cut mid-stream from the byte reached, and verifies the whole', async () => {
    const full = await memory.get('object').then(collect);
    const faults = withFaults(memory, {
      rules: [
        { operations: ['get'], trigger: { nth: 1 }, fault: { type: 'cut', afterBytes: 2500 } },
        { operations: ['get'], trigger: { nth: 2 }, fault: { type: 'cut', afterBytes: 3000 } },
      ],
    });
    const ranges: Array<unknown> = [];
    const inner = faults.get.bind(faults);
    faults.get = async (key, options) => {
      ranges.push(options?.range);
      return inner(key, options);
    };
    const retrying = withRetry(faults, {}, fakeClock());
    const back = await collect(await retrying.get('object', { expected: { size: full.length, sha256: sha256Hex(full) } }));
    expect(back.equals(full)).toBe(true);
    expect(ranges).toEqual([undefined, { start: 2500, end: undefined }, { start: 5500, end: undefined }]);
  });

  it('resumes inside a requested range', async () => {
    const full = await memory.get('object').then(collect);
    const faults = withFaults(memory, { rules: [{ operations: ['get'], trigger: { nth: 1 }, fault: { type: 'cut', afterBytes: 100 } }] });
    const retrying = withRetry(faults, {}, fakeClock());
    const back = await collect(await retrying.get('object', { range: { start: 1000, end: 2999 } }));
    expect(back.equals(full.subarray(1000, 3000))).toBe(true);
    expect(faults.calls.get).toBe(2);
  });

  it('restarts a failed listing without repeating entries', async () => {
    for (const key of ['a', 'b', 'c', 'd']) await memory.put(`list/${key}`, Readable.from([Buffer.from(key)]));
    const faults = withFaults(memory, { rules: [{ operations: ['list'], trigger: { nth: 1 }, fault: { type: 'error', when: 'after' } }] });
    const retrying = withRetry(faults, {}, fakeClock());
    const keys: string[] = [];
    for await (const entry of retrying.list('list/')) keys.push(entry.key);
    expect(keys).toEqual(['list/a', 'list/b', 'list/c', 'list/d']);
    expect(faults.calls.list).toBe(2);
  });

  it('rejects a policy without attempts', () => {
    expect(() => withRetry(memory, { maxAttempts: 0 })).toThrow(RangeError);
  });
});
