/**
 * The storage contract against the in-memory backend the unit specs use, bare and inside the stack openBackend
 * builds (retry, concurrency limit, throttle): the fake and the wrappers are held to what every provider passes.
 */
import { MemoryBackend, StorageBackend, wrapBackend } from '@daedalus/storage';
import { runBackendContract } from './contract';

jest.setTimeout(30_000);

function memoryTarget(wrap: (backend: StorageBackend) => StorageBackend) {
  return async () => {
    const store = new MemoryBackend();
    return {
      open: () => wrap(store),
      openMissingBucket: () => {
        const missing = new MemoryBackend();
        missing.bucketExists = false;
        return wrap(missing);
      },
      // the memory backend does not upload in parts: a smaller "large" object keeps the unit tier quick
      largeObjectBytes: 2 * 1024 * 1024 + 12345,
      teardown: async () => undefined,
    };
  };
}

runBackendContract(
  'memory',
  memoryTarget((backend) => backend),
);

runBackendContract(
  'memory inside retry + concurrency limit + throttle',
  memoryTarget((backend) =>
    wrapBackend(backend, {
      retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
      concurrency: 4,
      bandwidthBytesPerSecond: 512 * 1024 * 1024,
    }),
  ),
);
