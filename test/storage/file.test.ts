import { FileBackend, wrapBackend } from '@daedalus/storage';
import { makeTempDir, removeDir } from '../support/processes';
import { runBackendContract } from './contract';

runBackendContract('file (local directory)', async () => {
  const root = makeTempDir('storage-file');
  return {
    open: () => new FileBackend({ root, bucket: 'bucket' }),
    openMissingBucket: () => new FileBackend({ root, bucket: 'no-such-bucket' }),
    teardown: async () => removeDir(root),
  };
});

// the stack openBackend builds over a real provider: retry( concurrency limit( throttle( file )))
runBackendContract('file inside retry + concurrency limit + throttle', async () => {
  const root = makeTempDir('storage-file-wrapped');
  const wrapped = (bucket: string) =>
    wrapBackend(new FileBackend({ root, bucket }), {
      retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
      concurrency: 4,
      bandwidthBytesPerSecond: 256 * 1024 * 1024,
    });
  return {
    open: () => wrapped('bucket'),
    openMissingBucket: () => wrapped('no-such-bucket'),
    teardown: async () => removeDir(root),
  };
});
