/** The emulators the storage benchmark runs against: how to start them, reach them with our library and with rclone. */
import { ContainerSASPermissions, generateBlobSASQueryParameters, SASProtocol, StorageSharedKeyCredential } from '@azure/storage-blob';
import { join } from 'node:path';
import { ProcessGroup } from '../../test/support/processes';
import { AZURITE_ACCOUNT, AZURITE_KEY, S3RVER_KEY, startEmulator } from '../../test/storage/emulators';

export type TargetName = 's3' | 'azure' | 'gcs';

export interface RunningTarget {
  name: TargetName;
  label: string;
  /** Storage location of the benchmark bucket, for openBackend. */
  location: string;
  /** Environment the library (worker process) needs: credentials and endpoint overrides. */
  env: Record<string, string>;
  /** Environment defining the rclone remote `bench:`. */
  rcloneEnv: Record<string, string>;
  /** rclone path of the bucket. */
  rcloneBucket: string;
  pid: number;
}

export const BUCKET = 'bench';

function containerSas(): string {
  return generateBlobSASQueryParameters(
    {
      containerName: BUCKET,
      permissions: ContainerSASPermissions.parse('racwdl'),
      expiresOn: new Date(Date.now() + 6 * 3600_000),
      protocol: SASProtocol.HttpsAndHttp,
    },
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  ).toString();
}

export async function startTarget(name: TargetName, group: ProcessGroup, dir: string): Promise<RunningTarget> {
  const dataDir = join(dir, `${name}-data`);
  switch (name) {
    case 's3': {
      const s3 = await startEmulator('s3', group, dataDir);
      return {
        name,
        label: s3.label,
        location: s3.location(BUCKET),
        pid: s3.process.pid,
        env: { ...s3.env, BENCH_S3_CONDITIONAL: 'check-first' },
        rcloneEnv: {
          RCLONE_CONFIG_BENCH_TYPE: 's3',
          RCLONE_CONFIG_BENCH_PROVIDER: 'Other',
          RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: S3RVER_KEY,
          RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: S3RVER_KEY,
          RCLONE_CONFIG_BENCH_ENDPOINT: s3.endpoint,
          RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
          RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
        },
        rcloneBucket: `bench:${BUCKET}`,
      };
    }
    case 'azure': {
      const azurite = await startEmulator('azure', group, dataDir);
      return {
        name,
        label: azurite.label,
        location: azurite.location(BUCKET),
        pid: azurite.process.pid,
        env: azurite.env,
        // rclone 1.60 takes an endpoint only as a domain suffix; a container SAS URL reaches Azurite's port.
        rcloneEnv: {
          RCLONE_CONFIG_BENCH_TYPE: 'azureblob',
          RCLONE_CONFIG_BENCH_SAS_URL: `${azurite.endpoint}/${BUCKET}?${containerSas()}`,
        },
        rcloneBucket: `bench:${BUCKET}`,
      };
    }
    case 'gcs': {
      const fake = await startEmulator('gcs', group, dataDir);
      return {
        name,
        label: fake.label,
        location: fake.location(BUCKET),
        pid: fake.process.pid,
        env: fake.env,
        rcloneEnv: {
          RCLONE_CONFIG_BENCH_TYPE: 'google cloud storage',
          RCLONE_CONFIG_BENCH_ANONYMOUS: 'true',
          RCLONE_CONFIG_BENCH_ENDPOINT: `${fake.endpoint}/storage/v1/`,
          RCLONE_CONFIG_BENCH_NO_CHECK_BUCKET: 'true',
          RCLONE_CONFIG_BENCH_PROJECT_NUMBER: 'bench',
        },
        rcloneBucket: `bench:${BUCKET}`,
      };
    }
  }
}
