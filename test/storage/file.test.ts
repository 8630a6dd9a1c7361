import { FileBackend } from '@daedalus/storage';
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
