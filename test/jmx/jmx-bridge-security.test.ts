/**
 * Authentication and TLS through the JMX bridge against a real JMX server that requires both
 * (test/jmx/fixtures/JmxFixture.java --auth --ssl), with key and trust stores made by keytool per run.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JmxBridgeClient, JmxBridgeClientOptions, JmxError } from '@daedalus/jmx';
import { freePort, makeTempDir, ManagedProcess, ProcessGroup, removeDir } from '../support/processes';
import { compileJava, expectJmxError, isGone, LogCapture, processInfo, startFixture, stopFixtures, TEST_BEAN } from './jmx-support';

const run = promisify(execFile);

const USER = 'monitor';
const PASSWORD = 'Jmx-Pa55word-7f3c';
const WRONG_PASSWORD = 'Wrong-Pa55word-91ab';
const KEYSTORE_PASSWORD = 'Keystore-Secret-4d2e';
const TRUSTSTORE_PASSWORD = 'Truststore-Secret-8a6b';
const SECRETS = [PASSWORD, WRONG_PASSWORD, KEYSTORE_PASSWORD, TRUSTSTORE_PASSWORD];

async function keytool(args: string[]): Promise<void> {
  await run('keytool', args, { timeout: 60_000 });
}

/** A self-signed server key, and a trust store holding only its certificate (what an operator would ship). */
async function makeStores(dir: string): Promise<{ keyStore: string; trustStore: string }> {
  const keyStore = join(dir, 'server.p12');
  const certificate = join(dir, 'server.pem');
  const trustStore = join(dir, 'trust.p12');
  await keytool([
    '-genkeypair',
    '-alias',
    'jmx',
    '-keyalg',
    'EC',
    '-groupname',
    'secp256r1',
    '-dname',
    'CN=127.0.0.1',
    '-validity',
    '2',
    '-storetype',
    'PKCS12',
    '-keystore',
    keyStore,
    '-storepass',
    KEYSTORE_PASSWORD,
  ]);
  await keytool(['-exportcert', '-rfc', '-alias', 'jmx', '-keystore', keyStore, '-storepass', KEYSTORE_PASSWORD, '-file', certificate]);
  await keytool([
    '-importcert',
    '-noprompt',
    '-alias',
    'jmx',
    '-file',
    certificate,
    '-storetype',
    'PKCS12',
    '-keystore',
    trustStore,
    '-storepass',
    TRUSTSTORE_PASSWORD,
  ]);
  return { keyStore, trustStore };
}

describe('JMX bridge with authentication and TLS', () => {
  let dir: string;
  let group: ProcessGroup;
  let bridgeClasses: string;
  let trustStore: string;
  let port: number;
  const fixtures: ManagedProcess[] = [];
  const clients: JmxBridgeClient[] = [];
  const bridgePids = new Set<number>();
  const errors: JmxError[] = [];
  const logs = new LogCapture();

  function client(options: JmxBridgeClientOptions): JmxBridgeClient {
    const c = new JmxBridgeClient({ host: '127.0.0.1', port, bridgeClassDir: bridgeClasses, logger: logs, ...options });
    clients.push(c);
    return c;
  }

  async function failure(c: JmxBridgeClient, kind: JmxError['kind']): Promise<JmxError> {
    const error = await expectJmxError(c.getAttribute(TEST_BEAN, 'Name'), kind);
    errors.push(error);
    const pid = c.pid;
    if (pid !== undefined) bridgePids.add(pid);
    return error;
  }

  beforeAll(async () => {
    dir = makeTempDir('jmx-security');
    group = new ProcessGroup(dir);
    const [compiled, stores] = await Promise.all([compileJava(dir), makeStores(dir)]);
    bridgeClasses = compiled.bridgeClasses;
    trustStore = stores.trustStore;
    const passwordFile = join(dir, 'jmxremote.password');
    writeFileSync(passwordFile, `${USER} ${PASSWORD}\n`, { mode: 0o600 });
    port = await freePort();
    fixtures.push(
      await startFixture(group, 'secure-fixture', compiled.fixtureClasses, port, [
        '--auth',
        passwordFile,
        '--ssl',
        stores.keyStore,
        KEYSTORE_PASSWORD,
      ]),
    );
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    if (group) await stopFixtures(group, fixtures);
    for (const pid of bridgePids) expect(isGone(pid)).toBe(true);
    if (dir) removeDir(dir);
  });

  it('connects over TLS with the right credentials, which never reach the command line or environment', async () => {
    const c = client({ username: USER, password: PASSWORD, ssl: true, trustStore, trustStorePassword: TRUSTSTORE_PASSWORD });
    expect(await c.getAttribute(TEST_BEAN, 'Name')).toBe('fixture');
    expect(await c.ping()).toEqual({ pong: true, connected: true });
    const pid = c.pid;
    expect(pid).toEqual(expect.any(Number));
    bridgePids.add(pid as number);
    const { cmdline, environ } = processInfo(pid as number);
    expect(cmdline).toContain('JmxBridge');
    for (const secret of SECRETS) {
      expect(cmdline).not.toContain(secret);
      expect(environ).not.toContain(secret);
    }
  });

  it('reports a wrong password as auth, without the password in the error', async () => {
    const c = client({ username: USER, password: WRONG_PASSWORD, ssl: true, trustStore, trustStorePassword: TRUSTSTORE_PASSWORD });
    const error = await failure(c, 'auth');
    expect(error.message).toMatch(/Authentication failed/);
    expect(error.javaClass).toBe('java.lang.SecurityException');
  });

  it('reports missing credentials as auth', async () => {
    const c = client({ ssl: true, trustStore, trustStorePassword: TRUSTSTORE_PASSWORD });
    await failure(c, 'auth');
  });

  it('reports plain RMI against a TLS endpoint as connection', async () => {
    const c = client({ username: USER, password: PASSWORD, ssl: false });
    await failure(c, 'connection');
  });

  it('reports an untrusted server certificate as connection', async () => {
    const c = client({ username: USER, password: PASSWORD, ssl: true });
    const error = await failure(c, 'connection');
    expect(error.message).toMatch(/certification path|PKIX|SSL|handshake/i);
  });

  it('refuses a trust store it cannot open, without the store password in the error', async () => {
    const c = client({ username: USER, password: PASSWORD, ssl: true, trustStore, trustStorePassword: WRONG_PASSWORD });
    const error = await failure(c, 'bridge');
    expect(error.message).toContain('cannot set up TLS');
  });

  it('leaves no secret in any error message or bridge log line', () => {
    expect(errors.length).toBe(5);
    const text = [...errors.map((e) => `${e.message} ${e.javaClass ?? ''}`), logs.text()].join('\n');
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
});
