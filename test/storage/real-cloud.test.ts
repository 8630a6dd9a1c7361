/**
 * The contract suite against real S3, GCS and Azure — run only when the environment holds both a test
 * location and credentials; otherwise each provider is skipped with the reason printed. The suite
 * writes under a unique `contract-<time>-<random>/` prefix of the bucket and deletes what it wrote.
 *
 *   DAEDALUS_TEST_S3_LOCATION=s3://bucket     + AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), AWS_REGION
 *   DAEDALUS_TEST_GCS_LOCATION=gcp://bucket   + GOOGLE_APPLICATION_CREDENTIALS
 *   DAEDALUS_TEST_AZURE_LOCATION=azure://container + AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT/AZURE_STORAGE_KEY
 */
import { openProvider, parseStorageLocation, StorageBackend } from '@daedalus/storage';
import { runBackendContract } from './contract';

interface CloudTarget {
  name: string;
  locationVar: string;
  credentialsPresent: boolean;
  credentialsHint: string;
  secrets: Array<string | undefined>;
}

const env = process.env;
const targets: CloudTarget[] = [
  {
    name: 's3',
    locationVar: 'DAEDALUS_TEST_S3_LOCATION',
    credentialsPresent: Boolean((env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE),
    credentialsHint: 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE',
    secrets: [env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN],
  },
  {
    name: 'gcs',
    locationVar: 'DAEDALUS_TEST_GCS_LOCATION',
    credentialsPresent: Boolean(env.GOOGLE_APPLICATION_CREDENTIALS),
    credentialsHint: 'GOOGLE_APPLICATION_CREDENTIALS',
    secrets: [],
  },
  {
    name: 'azure',
    locationVar: 'DAEDALUS_TEST_AZURE_LOCATION',
    credentialsPresent: Boolean(env.AZURE_STORAGE_CONNECTION_STRING || (env.AZURE_STORAGE_ACCOUNT && env.AZURE_STORAGE_KEY)),
    credentialsHint: 'AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT/AZURE_STORAGE_KEY',
    secrets: [env.AZURE_STORAGE_KEY, /AccountKey=([^;]+)/.exec(env.AZURE_STORAGE_CONNECTION_STRING ?? '')?.[1]],
  },
];

for (const target of targets) {
  const location = env[target.locationVar];
  const missing = [location ? undefined : target.locationVar, target.credentialsPresent ? undefined : target.credentialsHint].filter(
    Boolean,
  );
  if (missing.length > 0) {
    const reason = `real ${target.name} skipped: set ${missing.join(' and ')}`;
    console.log(reason);
    describe.skip(reason, () => {
      it('runs the storage contract against the real service', () => undefined);
    });
    continue;
  }
  runBackendContract(`real ${target.name}`, async () => {
    const parsed = parseStorageLocation(location ?? '', { layout: 'prefix' });
    return {
      open: ({ listPageSize }): StorageBackend =>
        openProvider(parsed, {
          s3: { listPageSize },
          gcs: { listPageSize },
          azure: { listPageSize },
        }),
      secrets: target.secrets.filter((s): s is string => Boolean(s)),
      teardown: async () => undefined,
    };
  });
}
