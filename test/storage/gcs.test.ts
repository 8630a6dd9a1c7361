import { runBackendContract } from './contract';
import { startOwnEmulator } from './emulators';

runBackendContract('gcs (JSON API fake)', async () => {
  const emulator = await startOwnEmulator('gcs');
  return {
    open: ({ listPageSize }) => emulator.open('contract-bucket', { listPageSize }),
    openMissingBucket: () => emulator.open('no-such-bucket'),
    secrets: emulator.secrets,
    teardown: () => emulator.stop(),
  };
});
