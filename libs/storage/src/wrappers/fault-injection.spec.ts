import { Readable } from 'node:stream';
import { IntegrityError, StorageError } from '../errors';
import { sha256Hex } from '../hashing';
import { MemoryBackend } from '../testing/memory-backend';
import { seededRandom, withFaults } from './fault-injection';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('FaultInjectingBackend', () => {
  let memory: MemoryBackend;
  const data = Buffer.from('abcdefghij'.repeat(500));
  beforeEach(async () => {
    memory = new MemoryBackend();
    await memory.put('object', Readable.from([data]));
  });

  it('fails exactly the Nth matching call', async () => {
    const faults = withFaults(memory, {
      rules: [{ operations: ['stat'], trigger: { nth: 3 }, fault: { type: 'error', kind: 'permanent' } }],
    });
    await faults.get('object'); // not a stat: not counted by the rule
    await faults.stat('object');
    await faults.stat('object');
    await expect(faults.stat('object')).rejects.toMatchObject({ kind: 'permanent', code: 'injected-fault' });
    await faults.stat('object');
    expect(faults.injected).toEqual([{ call: 4, operation: 'stat', key: 'object', fault: 'error' }]);
  });

  it('fails a seeded, reproducible fraction of calls', async () => {
    const outcomes = async (seed: number): Promise<boolean[]> => {
      const faults = withFaults(memory, { seed, rules: [{ trigger: { probability: 0.2 }, fault: { type: 'error' } }] });
      const results: boolean[] = [];
      for (let i = 0; i < 1000; i++)
        results.push(
          await faults.stat('object').then(
            () => true,
            () => false,
          ),
        );
      return results;
    };
    const first = await outcomes(7);
    expect(await outcomes(7)).toEqual(first);
    expect(await outcomes(8)).not.toEqual(first);
    const failed = first.filter((ok) => !ok).length;
    expect(failed).toBeGreaterThan(150);
    expect(failed).toBeLessThan(250);
  });

  it('injects an error after the call took effect', async () => {
    const faults = withFaults(memory, { rules: [{ operations: ['put'], trigger: { nth: 1 }, fault: { type: 'error', when: 'after' } }] });
    await expect(faults.put('lost-answer', Readable.from([Buffer.from('x')]))).rejects.toThrow(StorageError);
    expect(memory.objects.has('lost-answer')).toBe(true);
  });

  it('cuts a download with an error, or ends it early cleanly', async () => {
    const erroring = withFaults(memory, { rules: [{ trigger: { nth: 1 }, fault: { type: 'cut', afterBytes: 1234 } }] });
    const received: Buffer[] = [];
    const stream = await erroring.get('object');
    await expect(
      (async () => {
        for await (const chunk of stream) received.push(chunk as Buffer);
      })(),
    ).rejects.toMatchObject({ kind: 'retryable' });
    expect(Buffer.concat(received).length).toBe(1234);

    const truncating = withFaults(memory, { rules: [{ trigger: { nth: 1 }, fault: { type: 'cut', afterBytes: 1234, mode: 'truncate' } }] });
    expect((await collect(await truncating.get('object'))).equals(data.subarray(0, 1234))).toBe(true);
  });

  it('corrupts one byte, which verification catches', async () => {
    const faults = withFaults(memory, {
      rules: [{ operations: ['get'], trigger: { every: 1 }, fault: { type: 'corrupt', atByte: 2000 } }],
    });
    const corrupted = await collect(await faults.get('object'));
    expect(corrupted.length).toBe(data.length);
    expect([...corrupted].filter((byte, i) => byte !== data[i]).length).toBe(1);
    expect(corrupted[2000]).toBe(data[2000] ^ 0xff);
  });

  it('damages put sources too, keeping the factory shape for retries', async () => {
    const faults = withFaults(memory, { rules: [{ operations: ['put'], trigger: { nth: 1 }, fault: { type: 'corrupt', atByte: 0 } }] });
    const result = await faults
      .put('damaged', () => Readable.from([Buffer.from('hello')]), { sha256: sha256Hex('hello') })
      .catch((e: unknown) => e);
    expect(result).toBeInstanceOf(IntegrityError);
    expect(memory.objects.has('damaged')).toBe(false);
  });
});

describe('seededRandom', () => {
  it('is deterministic and uniform enough', () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    const values = Array.from({ length: 10_000 }, () => a());
    expect(values.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
