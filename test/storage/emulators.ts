/**
 * The one way tests and benchmarks start a storage emulator — s3rver (S3), Azurite (Azure Blob) or the GCS JSON
 * API fake (test/fakes/gcs) — as a child process on a free port with a private data directory, and reach it:
 * the environment a service needs (credentials and endpoint overrides, exactly as in production), the storage
 * location of a bucket, and a bare provider on a bucket as the storage suites open it.
 *
 * `startEmulator(kind, group, dataDir)` starts one in the caller's ProcessGroup (stopped by its `stopAll`);
 * `startOwnEmulator(kind)` gives one with its own temporary directory and process group, for a test file.
 */
import { join } from 'node:path';
import { AzureBackend, GcsBackend, S3Backend, StorageBackend } from '@daedalus/storage';
import { freePort, makeTempDir, ManagedProcess, ProcessGroup, removeDir } from '../support/processes';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');

/** Azurite's well-known development account; public, documented, not a secret. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** s3rver's built-in credentials. */
export const S3RVER_KEY = 'S3RVER';

/**
 * Bound for an emulator to print that it listens. They load many modules (the GCS fake compiles TypeScript
 * with ts-node first), which on a loaded 2-core machine can take far longer than the usual second or two.
 */
const START_TIMEOUT_MS = 60_000;

export type EmulatorKind = 's3' | 'azure' | 'gcs';

export interface OpenOptions {
  /** forces list pagination with few objects */
  listPageSize?: number;
  /** S3 only: attempts the AWS SDK makes itself (1: every fault reaches our own retry wrapper) */
  sdkMaxAttempts?: number;
}

export interface StorageEmulator {
  kind: EmulatorKind;
  /** what it is, for reports */
  label: string;
  process: ManagedProcess;
  port: number;
  endpoint: string;
  /**
   * What a process needs to reach it through the providers' own credential chains and endpoint overrides: give
   * it to services (DaedalusSystem `env`); `startEmulator` also sets the credentials in this process's environment,
   * where the SDKs look for them.
   */
  env: Record<string, string>;
  /** strings that must never appear in an error message */
  secrets: string[];
  /** the storage location of a bucket (`s3://name`, `azure://name`, `gcp://name`) */
  location(bucket: string): string;
  /** a bare provider on a bucket */
  open(bucket: string, options?: OpenOptions): StorageBackend;
}

interface Launch {
  label: string;
  command: string;
  args: (port: number, dataDir: string) => string[];
  ready: RegExp;
}

const LAUNCHES: Record<EmulatorKind, Launch> = {
  s3: {
    label: 's3rver 3.7.1',
    command: 'node',
    args: (port, dataDir) => [
      '--openssl-legacy-provider',
      join(BIN, 's3rver'),
      '-d',
      dataDir,
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '--silent',
    ],
    ready: /listening/i,
  },
  azure: {
    label: 'Azurite 3.35',
    command: join(BIN, 'azurite-blob'),
    args: (port, dataDir) => [
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      dataDir,
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--loose',
      '--silent',
    ],
    ready: /successfully listens/i,
  },
  gcs: {
    label: 'GCS fake (test/fakes/gcs)',
    command: 'node',
    args: (port, dataDir) => [
      '-r',
      'ts-node/register/transpile-only',
      join(ROOT, 'test', 'fakes', 'gcs', 'cli.ts'),
      '--port',
      String(port),
      '--dir',
      dataDir,
    ],
    ready: /gcs-fake listening on/,
  },
};

const MIB = 1024 * 1024;

function describeEmulator(kind: EmulatorKind, child: ManagedProcess, port: number): StorageEmulator {
  const base = { kind, label: LAUNCHES[kind].label, process: child, port };
  switch (kind) {
    case 's3': {
      const endpoint = `http://127.0.0.1:${port}`;
      const env = {
        AWS_ACCESS_KEY_ID: S3RVER_KEY,
        AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: endpoint,
        AWS_S3_FORCE_PATH_STYLE: 'true',
      };
      return {
        ...base,
        endpoint,
        env,
        secrets: [],
        location: (bucket) => `s3://${bucket}`,
        // s3rver ignores If-None-Match on PUT, so conditional puts are checked first (racy; documented)
        open: (bucket, options = {}) =>
          new S3Backend({
            bucket,
            env: { ...process.env, ...env },
            listPageSize: options.listPageSize,
            conditionalWrites: 'check-first',
            partSize: 5 * MIB,
            sdkMaxAttempts: options.sdkMaxAttempts,
          }),
      };
    }
    case 'azure': {
      const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
      const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`;
      const env = { AZURE_STORAGE_CONNECTION_STRING: connectionString };
      return {
        ...base,
        endpoint,
        env,
        secrets: [AZURITE_KEY],
        location: (bucket) => `azure://${bucket}`,
        open: (bucket, options = {}) => new AzureBackend({ bucket, env, listPageSize: options.listPageSize, blockSize: 4 * MIB }),
      };
    }
    case 'gcs': {
      const endpoint = `http://127.0.0.1:${port}`;
      const env = { GCS_API_ENDPOINT: endpoint, GOOGLE_CLOUD_PROJECT: 'daedalus-test' };
      return {
        ...base,
        endpoint,
        env,
        secrets: [],
        location: (bucket) => `gcp://${bucket}`,
        open: (bucket, options = {}) =>
          new GcsBackend({ bucket, apiEndpoint: endpoint, projectId: 'daedalus-test', listPageSize: options.listPageSize, env: {} }),
      };
    }
  }
}

/** Starts an emulator in `group`, its data under `dataDir`; resolves once it listens. */
export async function startEmulator(kind: EmulatorKind, group: ProcessGroup, dataDir: string): Promise<StorageEmulator> {
  const launch = LAUNCHES[kind];
  const port = await freePort();
  const child = group.start(`${kind}-emulator`, launch.command, launch.args(port, dataDir), { cwd: ROOT });
  await group.waitForOutput(child, launch.ready, START_TIMEOUT_MS);
  const emulator = describeEmulator(kind, child, port);
  // the SDKs' credential chains read this process's environment, as in production
  if (kind === 's3') Object.assign(process.env, { AWS_ACCESS_KEY_ID: S3RVER_KEY, AWS_SECRET_ACCESS_KEY: S3RVER_KEY });
  return emulator;
}

/** An emulator with its own temporary directory and process group; `stop()` ends it and removes its data. */
export async function startOwnEmulator(kind: EmulatorKind): Promise<StorageEmulator & { stop(): Promise<void> }> {
  const dir = makeTempDir(`storage-${kind}`);
  const group = new ProcessGroup(dir);
  const stop = async (): Promise<void> => {
    await group.stopAll();
    removeDir(dir);
  };
  try {
    return { ...(await startEmulator(kind, group, join(dir, 'data'))), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
