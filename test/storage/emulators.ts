/**
 * Starts the storage emulators as child processes on free ports with private data directories.
 * Used by the integration tests and the benchmark; callers stop them through their ProcessGroup.
 */
import { join } from 'node:path';
import { freePort, ManagedProcess, ProcessGroup } from '../support/processes';

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

export interface RunningEmulator {
  process: ManagedProcess;
  port: number;
  endpoint: string;
}

export async function startS3rver(group: ProcessGroup, dataDir: string): Promise<RunningEmulator> {
  const port = await freePort();
  const process = group.start('s3rver', 'node', [
    '--openssl-legacy-provider',
    join(BIN, 's3rver'),
    '-d',
    dataDir,
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '--silent',
  ]);
  await group.waitForOutput(process, /listening/i, START_TIMEOUT_MS);
  return { process, port, endpoint: `http://127.0.0.1:${port}` };
}

export async function startAzurite(group: ProcessGroup, dataDir: string): Promise<RunningEmulator & { connectionString: string }> {
  const port = await freePort();
  const process = group.start('azurite', join(BIN, 'azurite-blob'), [
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
  ]);
  await group.waitForOutput(process, /successfully listens/i, START_TIMEOUT_MS);
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    process,
    port,
    endpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`,
  };
}

export async function startGcsFakeProcess(group: ProcessGroup, dataDir: string): Promise<RunningEmulator> {
  const port = await freePort();
  const process = group.start(
    'gcs-fake',
    'node',
    ['-r', 'ts-node/register/transpile-only', join(ROOT, 'test', 'fakes', 'gcs', 'cli.ts'), '--port', String(port), '--dir', dataDir],
    { cwd: ROOT },
  );
  await group.waitForOutput(process, /gcs-fake listening on/, START_TIMEOUT_MS);
  return { process, port, endpoint: `http://127.0.0.1:${port}` };
}
