/**
 * Fault tests (issue #4): with 20% of calls failing transiently, 200 objects go up and come back
 * intact through the retry wrapper; permanent and not-found errors are not retried; corrupted and
 * truncated downloads are detected. Runs against the local file provider and against s3rver.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  FaultInjectingBackend,
  FaultRule,
  FileBackend,
  IntegrityError,
  RetryingBackend,
  StorageBackend,
  StorageError,
  withFaults,
  withRetry,
} from '@daedalus/storage';
import { mapConcurrent } from '@daedalus/common';
import { makeTempDir, removeDir } from '../support/processes';
import { startOwnEmulator } from './emulators';
import { collect, keysOf, rejection, sha256 } from './support';

jest.setTimeout(180_000);

// Attempts bound the retries; the elapsed-time bound is generous because CI shares 2 cores with the
// emulator, and a slow moment must not read as a storage failure.
const FAST_RETRY = { maxAttempts: 12, initialDelayMs: 1, maxDelayMs: 20, maxElapsedMs: 300_000 };

/**
 * About 20% of the calls of every operation fail, in several ways; every fault is transient. The first
 * rule that fires wins, so later probabilities are scaled up to give each operation ~20% in total.
 */
const TRANSIENT_20_PERCENT: FaultRule[] = [
  { trigger: { probability: 0.1 }, fault: { type: 'error', kind: 'retryable', when: 'before' } },
  // Lost answers: the call took effect, the caller saw an error.
  {
    operations: ['put', 'delete', 'stat', 'list'],
    trigger: { probability: 0.067 },
    fault: { type: 'error', kind: 'retryable', when: 'after' },
  },
  // Connections cut mid-transfer: uploads restart from a re-opened source, downloads resume by range.
  { operations: ['put'], trigger: { probability: 0.072 }, fault: { type: 'cut', afterBytes: 1500, mode: 'error' } },
  { operations: ['get'], trigger: { probability: 0.111 }, fault: { type: 'cut', afterBytes: 1500, mode: 'error' } },
];

function faultSuite(name: string, open: () => Promise<{ backend: StorageBackend; teardown(): Promise<void> }>): void {
  describe(`fault handling: ${name}`, () => {
    let base: StorageBackend;
    let teardown: () => Promise<void>;
    const stacks: StorageBackend[] = [];
    const stack = (rules: FaultRule[], seed = 42): { faults: FaultInjectingBackend; retrying: RetryingBackend } => {
      const faults = withFaults(base, { seed, rules });
      const retrying = withRetry(faults, FAST_RETRY);
      stacks.push(retrying);
      return { faults, retrying };
    };

    beforeAll(async () => {
      ({ backend: base, teardown } = await open());
      await base.ensureBucket({ create: true });
    });

    afterAll(async () => {
      await base?.close();
      await teardown?.();
    });

    it('moves 200 objects up and down intact while 20% of calls fail transiently', async () => {
      const { faults, retrying } = stack(TRANSIENT_20_PERCENT, 20260101);
      const objects = Array.from({ length: 200 }, (_, i) => ({
        key: `bulk/object-${String(i).padStart(3, '0')}`,
        data: randomBytes(2_000 + ((i * 7919) % 30_000)),
      }));

      await mapConcurrent(objects, 8, undefined, async ({ key, data }) => {
        const result = await retrying.put(key, () => Readable.from([data]), { size: data.length, sha256: sha256(data) });
        expect(result).toMatchObject({ size: data.length, sha256: sha256(data) });
      });
      expect((await keysOf(retrying.list('bulk/'))).length).toBe(200);
      await mapConcurrent(objects, 8, undefined, async ({ key, data }) => {
        const back = await collect(await retrying.get(key, { expected: { size: data.length, sha256: sha256(data) } }));
        expect(back.equals(data)).toBe(true);
      });

      const calls = faults.totalCalls;
      const injected = faults.injected.length;
      console.log(
        `${name}: ${calls} calls, ${injected} faults injected (${((100 * injected) / calls).toFixed(1)}%):` +
          ` ${faults.count('error')} errors, ${faults.count('cut', 'put')} cut uploads, ${faults.count('cut', 'get')} cut downloads`,
      );
      expect(injected / calls).toBeGreaterThan(0.16);
      expect(injected / calls).toBeLessThan(0.25);
      expect(faults.count('error')).toBeGreaterThan(20);
      expect(faults.count('cut', 'put')).toBeGreaterThan(3);
      expect(faults.count('cut', 'get')).toBeGreaterThan(3);
    });

    it('does not retry a permanent error', async () => {
      const { faults, retrying } = stack([{ operations: ['put'], trigger: { nth: 1 }, fault: { type: 'error', kind: 'permanent' } }]);
      const error = await rejection(retrying.put('permanent/one', () => Readable.from([Buffer.from('x')])));
      expect((error as StorageError).kind).toBe('permanent');
      expect(faults.calls.put).toBe(1);
      expect(await base.stat('permanent/one')).toBeUndefined();
    });

    it('does not retry not-found, and gives up on endless transient errors after maxAttempts', async () => {
      const { faults, retrying } = stack([{ operations: ['stat'], trigger: { every: 1 }, fault: { type: 'error', kind: 'retryable' } }]);
      const missing = await rejection(retrying.get('missing/key'));
      expect((missing as StorageError).kind).toBe('not-found');
      expect(faults.calls.get).toBe(1);
      const exhausted = await rejection(retrying.stat('anything'));
      expect((exhausted as StorageError).kind).toBe('retryable');
      expect(faults.calls.stat).toBe(FAST_RETRY.maxAttempts);
    });

    it('detects a corrupted download and does not retry it', async () => {
      const data = randomBytes(40_000);
      await base.put('corrupt/object', Readable.from([data]));
      const { faults, retrying } = stack([{ operations: ['get'], trigger: { nth: 1 }, fault: { type: 'corrupt', atByte: 12_345 } }]);
      const error = await rejection(
        collect(await retrying.get('corrupt/object', { expected: { size: data.length, sha256: sha256(data) } })),
      );
      expect(error).toBeInstanceOf(IntegrityError);
      expect(faults.calls.get).toBe(1);
      // The stored object is fine: the next, undamaged read verifies.
      const back = await collect(await retrying.get('corrupt/object', { expected: { size: data.length, sha256: sha256(data) } }));
      expect(back.equals(data)).toBe(true);
    });

    it('detects a download that ends early without an error', async () => {
      const data = randomBytes(40_000);
      await base.put('truncated/object', Readable.from([data]));
      const { retrying } = stack([
        { operations: ['get'], trigger: { nth: 1 }, fault: { type: 'cut', afterBytes: 10_000, mode: 'truncate' } },
      ]);
      const error = await rejection(collect(await retrying.get('truncated/object', { expected: { size: data.length } })));
      expect(error).toBeInstanceOf(IntegrityError);
      expect((error as IntegrityError).actual.size).toBe(10_000);
    });

    it('treats an ifNotExists retry that finds its own earlier write as success', async () => {
      const data = Buffer.from('written once');
      const { faults, retrying } = stack([{ operations: ['put'], trigger: { nth: 1 }, fault: { type: 'error', when: 'after' } }]);
      const result = await retrying.put('conditional/lost-answer', () => Readable.from([data]), {
        ifNotExists: true,
        sha256: sha256(data),
      });
      expect(result.sha256).toBe(sha256(data));
      expect(faults.calls.put).toBe(2);
    });
  });
}

faultSuite('file', async () => {
  const root = makeTempDir('storage-faults-file');
  return { backend: new FileBackend({ root, bucket: 'bucket' }), teardown: async () => removeDir(root) };
});

faultSuite('s3 (s3rver)', async () => {
  const emulator = await startOwnEmulator('s3');
  // the SDK makes one attempt: every fault reaches the retry wrapper under test
  return { backend: emulator.open('faults', { sdkMaxAttempts: 1 }), teardown: () => emulator.stop() };
});
