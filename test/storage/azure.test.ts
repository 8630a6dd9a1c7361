import { runBackendContract } from './contract';
import { startOwnEmulator } from './emulators';

runBackendContract('azure (Azurite)', async () => {
  const emulator = await startOwnEmulator('azure');
  return {
    open: ({ listPageSize }) => emulator.open('contract-container', { listPageSize }),
    openMissingBucket: () => emulator.open('no-such-container'),
    secrets: emulator.secrets,
    teardown: () => emulator.stop(),
  };
});
