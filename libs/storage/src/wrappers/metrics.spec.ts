import { Readable } from 'node:stream';
import { StorageErrorKind } from '../errors';
import { MemoryBackend } from '../testing/memory-backend';
import { withFaults } from './fault-injection';
import { StorageObserver, StorageRequestKind, withObserver } from './metrics';
import { withRetry } from './retry';

class Recorder implements StorageObserver {
  readonly requests: string[] = [];
  readonly failures: string[] = [];
  requested(provider: string, request: StorageRequestKind): void {
    this.requests.push(`${provider} ${request}`);
  }
  failed(provider: string, request: StorageRequestKind, kind: StorageErrorKind): void {
    this.failures.push(`${provider} ${request} ${kind}`);
  }
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function bucket(): Promise<MemoryBackend> {
  const memory = new MemoryBackend();
  await memory.ensureBucket({ create: true });
  return memory;
}

describe('ObservedBackend', () => {
  it('counts each request by provider and kind, and passes results through', async () => {
    const recorder = new Recorder();
    const backend = withObserver(await bucket(), recorder);
    await backend.put('a', () => Readable.from([Buffer.from('hello')]));
    expect((await drain(await backend.get('a'))).toString()).toBe('hello');
    expect(await backend.stat('missing')).toBeUndefined();
    const keys: string[] = [];
    for await (const entry of backend.list('')) keys.push(entry.key);
    await backend.delete('a');
    expect(keys).toEqual(['a']);
    expect(recorder.requests).toEqual(['memory put', 'memory get', 'memory stat', 'memory list', 'memory delete']);
    expect(recorder.failures).toEqual([]);
  });

  it('counts a failed request with the error kind and rethrows it', async () => {
    const recorder = new Recorder();
    const backend = withObserver(await bucket(), recorder);
    await expect(backend.get('nothing-here')).rejects.toMatchObject({ kind: 'not-found' });
    expect(recorder.failures).toEqual(['memory get not-found']);
  });

  it('under retry, counts every attempt that failed and the one that succeeded', async () => {
    const recorder = new Recorder();
    const faulty = withFaults(await bucket(), {
      rules: [{ operations: ['put'], trigger: { nth: 1 }, fault: { type: 'error', kind: 'retryable' } }],
    });
    const backend = withRetry(withObserver(faulty, recorder), { initialDelayMs: 1, jitter: false });
    await backend.put('b', () => Readable.from([Buffer.from('x')]));
    expect(recorder.requests).toEqual(['memory put', 'memory put']);
    expect(recorder.failures).toEqual(['memory put retryable']);
  });

  it('counts a download cut mid-stream as a failed get', async () => {
    const recorder = new Recorder();
    const memory = await bucket();
    await memory.put('c', () => Readable.from([Buffer.alloc(4096, 'x')]));
    const faulty = withFaults(memory, {
      rules: [{ operations: ['get'], trigger: { nth: 1 }, fault: { type: 'cut', afterBytes: 10, mode: 'error' } }],
    });
    const backend = withObserver(faulty, recorder);
    await expect(drain(await backend.get('c'))).rejects.toThrow();
    expect(recorder.failures).toEqual([expect.stringMatching(/^memory get (retryable|permanent)$/)]);
  });
});
