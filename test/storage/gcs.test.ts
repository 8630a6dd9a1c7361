import { GcsBackend } from '@daedalus/storage';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { runBackendContract } from './contract';
import { startGcsFakeProcess } from './emulators';

runBackendContract('gcs (JSON API fake)', async () => {
  const dir = makeTempDir('storage-gcs');
  const group = new ProcessGroup(dir);
  try {
    const fake = await startGcsFakeProcess(group, `${dir}/data`);
    const open = (bucket: string, listPageSize = 1000): GcsBackend =>
      new GcsBackend({ bucket, apiEndpoint: fake.endpoint, projectId: 'daedalus-test', listPageSize, env: {} });
    return {
      open: ({ listPageSize }) => open('contract-bucket', listPageSize),
      openMissingBucket: () => open('no-such-bucket'),
      teardown: async () => {
        await group.stopAll();
        removeDir(dir);
      },
    };
  } catch (error) {
    await group.stopAll();
    throw error;
  }
});
