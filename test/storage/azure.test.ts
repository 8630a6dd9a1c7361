import { AzureBackend } from '@daedalus/storage';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { runBackendContract } from './contract';
import { AZURITE_KEY, startAzurite } from './emulators';

runBackendContract('azure (Azurite)', async () => {
  const dir = makeTempDir('storage-azure');
  const group = new ProcessGroup(dir);
  try {
    const azurite = await startAzurite(group, `${dir}/data`);
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString };
    const open = (bucket: string, listPageSize = 1000): AzureBackend =>
      new AzureBackend({ bucket, env, listPageSize, blockSize: 4 * 1024 * 1024 });
    return {
      open: ({ listPageSize }) => open('contract-container', listPageSize),
      openMissingBucket: () => open('no-such-container'),
      secrets: [AZURITE_KEY],
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
