import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ConfigReader } from '@daedalus/common';
import { AgentConfig } from './agent-config';

const load = (argv: string[], env: NodeJS.ProcessEnv = {}) => AgentConfig.load(new ConfigReader(argv, env));
const problemsOf = async (argv: string[], env: NodeJS.ProcessEnv = {}): Promise<readonly string[]> => {
  try {
    await load(argv, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('AgentConfig', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'agent-config-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has the defaults it always had', async () => {
    const config = await load([]);
    expect(config).toMatchObject({
      cassandraConfigDir: '/etc/cassandra',
      dataDirs: [],
      enableTruncate: false,
      operationTimeoutMs: 24 * 3600_000,
      progressIntervalMs: 2_000,
      heartbeatIntervalMs: 2_000,
      startupTimeoutMs: 300_000,
      ackWaitMs: 30_000,
      concurrency: 4,
      restoreReserveBytes: 256 * 1024 * 1024,
    });
    expect(config.settlement.maxAttempts).toBe(5);
    expect(config.jmx).toEqual({ host: '127.0.0.1', port: 7199, ssl: false });
    expect(config.nats.name).toBe('daedalus-node-agent');
  });

  it('takes the flags the test harness gives it', async () => {
    const config = await load([
      ...['--jmx-service', '127.0.0.1:40001', '--cassandra-config-dir', '/tmp/n1/conf', '--heartbeat-interval-ms', '1000'],
      ...['--ack-wait-ms', '10000', '--progress-interval-ms', '200', '--enable-truncate'],
    ]);
    expect(config).toMatchObject({
      cassandraConfigDir: '/tmp/n1/conf',
      heartbeatIntervalMs: 1_000,
      ackWaitMs: 10_000,
      progressIntervalMs: 200,
      enableTruncate: true,
    });
    expect(config.jmx).toMatchObject({ host: '127.0.0.1', port: 40001 });
  });

  it('builds the JMX connection: a URL as is, TLS when a truststore is given, passwords from flags before files', async () => {
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, 'from-file\n');
    const credentials = join(dir, 'credentials.properties');
    writeFileSync(credentials, 'username=cassandra\npassword=from-credentials\n');
    const url = 'service:jmx:rmi:///jndi/rmi://db1:7199/jmxrmi';
    expect((await load(['--jmx-service', url])).jmx).toMatchObject({ serviceUrl: url });
    expect((await load(['--jmx-truststore', '/ts.jks', '--jmx-truststore-password', 'ts'])).jmx).toMatchObject({
      ssl: true,
      trustStore: '/ts.jks',
      trustStorePassword: 'ts',
    });
    expect((await load(['--jmx-truststore', '/ts.jks', '--jmx-ssl=false'])).jmx.ssl).toBe(false);
    expect((await load(['--jmx-credentials', credentials])).jmx).toMatchObject({ username: 'cassandra', password: 'from-credentials' });
    expect((await load(['--jmx-credentials', credentials, '--jmx-password-file', passwordFile])).jmx.password).toBe('from-file');
    expect((await load(['--jmx-password-file', passwordFile, '--jmx-password', 'flag'])).jmx.password).toBe('flag');
    expect((await load([], { DAEDALUS_DATA_DIRS: '/d1, /d2' })).dataDirs).toEqual(['/d1', '/d2']);
  });

  it('refuses --concurrency 0 and timers Node.js cannot hold, naming the flag and its variable', async () => {
    expect(await problemsOf(['--concurrency', '0'])).toEqual([
      '--concurrency (DAEDALUS_CONCURRENCY) must be a whole number from 1 to 256, got 0',
    ]);
    expect(await problemsOf([], { DAEDALUS_OPERATION_TIMEOUT_MS: String(30 * 24 * 3600_000) })).toEqual([
      '--operation-timeout-ms (DAEDALUS_OPERATION_TIMEOUT_MS) must be a whole number of milliseconds (a timer holds at most about 24.8 days) from 1 to 2147483647, got 2592000000',
    ]);
  });

  it.each([['db1'], ['db1:0'], ['db1:70000'], ['db1:port']])('refuses the JMX service %s', async (service) => {
    expect(await problemsOf(['--jmx-service', service])).toEqual([
      `--jmx-service (DAEDALUS_JMX_SERVICE) must be host:port (a port from 1 to 65535) or a service:jmx: URL, got ${JSON.stringify(service)}`,
    ]);
  });

  it('never prints a JMX password, and names the nearest flag of a typo', async () => {
    const problems = await problemsOf(['--jmx-pasword', 'pw-secret', '--jmx-keystore-password=ks-secret', '--enable-trunacte']);
    expect(problems).toEqual([
      'unknown flag --jmx-pasword: did you mean --jmx-password?',
      'unknown flag --enable-trunacte: did you mean --enable-truncate?',
    ]);
    expect(problems.join()).not.toContain('secret');
  });

  describe('client-side encryption key', () => {
    const hex = 'a1'.repeat(32);

    it('is off without a key, and reads one from a file or the environment to the same fingerprint', async () => {
      expect((await load([])).encryption.key).toBeUndefined();
      const file = join(dir, 'backup.key');
      writeFileSync(file, `${hex}\n`);
      const fromFile = (await load(['--encryption-key-file', file])).encryption.key;
      const fromEnv = (await load([], { DAEDALUS_ENCRYPTION_KEY: Buffer.from(hex, 'hex').toString('base64') })).encryption.key;
      expect(fromFile?.id).toMatch(/^[0-9a-f]{16}$/);
      expect(fromEnv?.id).toBe(fromFile?.id);
      const raw = join(dir, 'raw.key');
      writeFileSync(raw, Buffer.from(hex, 'hex'));
      expect((await load(['--encryption-key-file', raw])).encryption.key?.id).toBe(fromFile?.id);
    });

    it('refuses a key of the wrong length, an unreadable file, or both sources, never printing the key', async () => {
      const short = join(dir, 'short.key');
      writeFileSync(short, 'secret-key-too-short');
      expect(await problemsOf(['--encryption-key-file', short])).toEqual([
        `--encryption-key-file ${short}: an encryption key must be 32 bytes: 64 hex characters, base64, or the raw bytes in a file`,
      ]);
      expect(await problemsOf([], { DAEDALUS_ENCRYPTION_KEY: 'secret-key-too-short' })).toEqual([
        'DAEDALUS_ENCRYPTION_KEY: an encryption key must be 32 bytes: 64 hex characters, base64, or the raw bytes in a file',
      ]);
      expect(await problemsOf(['--encryption-key-file', join(dir, 'missing.key')])).toEqual([
        `--encryption-key-file ${join(dir, 'missing.key')} cannot be read (ENOENT)`,
      ]);
      expect(await problemsOf(['--encryption-key-file', short], { DAEDALUS_ENCRYPTION_KEY: hex })).toEqual([
        'give the encryption key either in --encryption-key-file or in DAEDALUS_ENCRYPTION_KEY, not both',
      ]);
    });
  });
});
