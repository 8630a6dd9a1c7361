import { runBackendContract } from './contract';
import { startOwnEmulator } from './emulators';

runBackendContract('s3 (s3rver)', async () => {
  const emulator = await startOwnEmulator('s3');
  return {
    open: ({ listPageSize }) => emulator.open('contract-bucket', { listPageSize }),
    openMissingBucket: () => emulator.open('no-such-bucket'),
    secrets: emulator.secrets,
    teardown: () => emulator.stop(),
  };
});
