/**
 * JMX authentication (jmxremote.password file) and TLS on the simulator's RMI connector, through the real
 * JMX bridge: right credentials work, wrong or missing ones are refused, a plain client cannot talk to a
 * TLS endpoint, and the password never shows in the simulator's output.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { JmxBridgeClient, JmxBridgeClientOptions, JmxError } from '@daedalus/jmx';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { SimulatedCluster, startSimulatedCluster, STORAGE_SERVICE } from '../support/simulator';

const USER = 'cassandra-admin';
const PASSWORD = 'S3cret-pa55word';
const STORE_PASSWORD = 'store-pa55';

async function failure(p: Promise<unknown>): Promise<JmxError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof JmxError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

function makeStores(dir: string): { keystore: string; truststore: string } {
  const keystore = join(dir, 'sim-keystore.p12');
  const truststore = join(dir, 'sim-truststore.p12');
  const cert = join(dir, 'sim.crt');
  const run = (args: string[]) => execFileSync('keytool', args, { stdio: 'ignore', timeout: 60_000 });
  run([
    '-genkeypair',
    '-alias',
    'sim',
    '-keyalg',
    'RSA',
    '-keysize',
    '2048',
    '-dname',
    'CN=127.0.0.1',
    '-ext',
    'SAN=IP:127.0.0.1',
    '-validity',
    '2',
    '-storetype',
    'PKCS12',
    '-keystore',
    keystore,
    '-storepass',
    STORE_PASSWORD,
    '-keypass',
    STORE_PASSWORD,
  ]);
  run(['-exportcert', '-alias', 'sim', '-keystore', keystore, '-storepass', STORE_PASSWORD, '-file', cert]);
  run([
    '-importcert',
    '-noprompt',
    '-alias',
    'sim',
    '-file',
    cert,
    '-storetype',
    'PKCS12',
    '-keystore',
    truststore,
    '-storepass',
    STORE_PASSWORD,
  ]);
  return { keystore, truststore };
}

describe('JMX authentication and TLS', () => {
  let dir: string;
  let group: ProcessGroup;
  let authOnly: SimulatedCluster;
  let tls: SimulatedCluster;
  let truststore: string;
  const clients: JmxBridgeClient[] = [];

  const client = (port: number, options: Partial<JmxBridgeClientOptions>): JmxBridgeClient => {
    const c = new JmxBridgeClient({ host: '127.0.0.1', port, defaultTimeoutMs: 30_000, ...options });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = makeTempDir('sim-security');
    group = new ProcessGroup(dir);
    const stores = makeStores(dir);
    truststore = stores.truststore;
    [authOnly, tls] = await Promise.all([
      startSimulatedCluster({
        version: '4.0',
        group,
        baseDir: join(dir, 'auth'),
        count: 1,
        jmxAuth: { username: USER, password: PASSWORD },
      }),
      startSimulatedCluster({
        version: '5.0',
        group,
        baseDir: join(dir, 'tls'),
        count: 1,
        jmxAuth: { username: USER, password: PASSWORD },
        jmxTls: { keystore: stores.keystore, keystorePassword: STORE_PASSWORD, truststore, truststorePassword: STORE_PASSWORD },
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await authOnly?.close();
    await tls?.close();
    await group?.stopAll();
    if (dir) removeDir(dir);
  });

  it('serves an authenticated client and refuses wrong or missing credentials', async () => {
    const node = authOnly.nodes[0];
    expect(await node.jmx.getAttribute(STORAGE_SERVICE, 'ReleaseVersion')).toBe('4.0.14');
    const wrong = await failure(client(node.jmxPort, { username: USER, password: 'nope' }).getAttribute(STORAGE_SERVICE, 'ClusterName'));
    expect(wrong.kind).toBe('auth');
    const none = await failure(client(node.jmxPort, {}).getAttribute(STORAGE_SERVICE, 'ClusterName'));
    expect(none.kind).toBe('auth');
    expect(wrong.message).not.toContain(PASSWORD);
  });

  it('speaks TLS on registry and connection: trusted clients work, plain ones cannot connect', async () => {
    const node = tls.nodes[0];
    expect(await node.jmx.getAttribute(STORAGE_SERVICE, 'ReleaseVersion')).toBe('5.0.2');
    const plain = await failure(
      client(node.jmxPort, { username: USER, password: PASSWORD, connectTimeoutMs: 5_000 }).getAttribute(STORAGE_SERVICE, 'ClusterName', {
        timeoutMs: 20_000,
      }),
    );
    expect(['connection', 'timeout']).toContain(plain.kind);
    const wrongPassword = await failure(
      client(node.jmxPort, {
        username: USER,
        password: 'nope',
        ssl: true,
        trustStore: truststore,
        trustStorePassword: STORE_PASSWORD,
      }).getAttribute(STORAGE_SERVICE, 'ClusterName'),
    );
    expect(wrongPassword.kind).toBe('auth');
  });

  it('never prints the JMX or keystore password', () => {
    for (const node of [...authOnly.nodes, ...tls.nodes]) {
      expect(node.process.output()).not.toContain(PASSWORD);
    }
  });
});
