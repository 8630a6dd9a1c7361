import { S3Backend } from '@daedalus/storage';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { runBackendContract } from './contract';
import { S3RVER_KEY, startS3rver } from './emulators';

runBackendContract('s3 (s3rver)', async () => {
  const dir = makeTempDir('storage-s3');
  const group = new ProcessGroup(dir);
  try {
    const s3rver = await startS3rver(group, `${dir}/data`);
    // Credentials reach the SDK only through its environment chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = S3RVER_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_KEY;
    const env = { ...process.env, AWS_ENDPOINT_URL: s3rver.endpoint, AWS_S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'us-east-1' };
    // s3rver ignores If-None-Match on PUT, so conditional puts are checked first (racy; documented).
    const open = (bucket: string, listPageSize = 1000): S3Backend =>
      new S3Backend({ bucket, env, listPageSize, conditionalWrites: 'check-first', partSize: 5 * 1024 * 1024 });
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
