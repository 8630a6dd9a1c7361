/**
 * NATS the way production runs it: user/password over TLS with a private CA, token auth, and a 3-server
 * JetStream cluster whose streams and buckets get 3 replicas. One system serves the three: its simulated nodes
 * keep running while NATS is set up anew for each (reconfigureNats: every service restarted on it with the new
 * credentials, fresh stores). Operations on a cluster, with servers lost and the broker restarted mid-operation,
 * are proven in nats-cluster.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Buckets, Streams } from '@daedalus/contracts';
import { TestCertificates } from '../support/certificates';
import { makeTempDir, ManagedProcess, removeDir, sleep } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';

/** A private CA and a server certificate for 127.0.0.1 signed by it. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const certificates = new TestCertificates(dir);
  const ca = certificates.ca('ca');
  const server = certificates.server('server', 'ca');
  return { ca, cert: server.certFile, key: server.keyFile };
}

/** Everything the services printed, to prove a secret never appears in it. */
function allLogs(system: DaedalusSystem): string {
  const dir = join(system.baseDir, 'logs');
  return readdirSync(dir)
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n');
}

/** The exit code of a process expected to give up, or 'still running' after a minute. */
async function exitOf(process: ManagedProcess): Promise<number | null | 'still running'> {
  return Promise.race([process.exited, sleep(60_000).then(() => 'still running' as const)]);
}

async function globalFlush(system: DaedalusSystem): Promise<OperationView> {
  const response = await system.post('/operations', { type: 'flush', keyspace: 'ks1', globalRequest: true });
  expect(response.status).toBe(201);
  return system.waitForOperation((response.body as OperationView).id, undefined, 60_000);
}

describe('NATS as production runs it (one system, NATS set up three ways)', () => {
  const PASSWORD = 'pw-4e1d9c0b-never-logged';
  const TOKEN = 'tok-5b2c81d4-never-logged';
  let certDir: string;
  let system: DaedalusSystem;

  beforeAll(async () => {
    certDir = makeTempDir('nats-tls');
    const tls = makeCertificates(certDir);
    system = await DaedalusSystem.start({
      nodes: 2,
      coordinators: 2,
      nats: {
        serverArgs: ['--user', 'daedalus', '--pass', PASSWORD, '--tls', '--tlscert', tls.cert, '--tlskey', tls.key],
        client: { user: 'daedalus', pass: PASSWORD, tls: { caFile: tls.ca } },
      },
      env: { NATS_USER: 'daedalus', NATS_PASSWORD: PASSWORD, NATS_TLS_CA: tls.ca },
    });
    await system.createTables('ks1', ['t1'], 10);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    if (certDir) removeDir(certDir);
  }, 60_000);

  describe('NATS with user and password over TLS', () => {
    it('runs a global operation end to end through the authenticated, encrypted server', async () => {
      const done = await globalFlush(system);
      expect(done.errors).toEqual([]);
      expect(done.state).toBe('COMPLETED');
      expect((await system.get('/healthz')).status).toBe(200);
    });

    it('refuses to start a service with a wrong password, saying why and without printing it', async () => {
      const wrong = 'pw-wrong-0a7f3e-never-logged';
      const coordinator = system.group.start(
        'coordinator-wrong-password',
        process.execPath,
        [join(__dirname, '../../dist/apps/coordinator/src/main.js')],
        {
          env: {
            ...process.env,
            NATS_SERVERS: system.nats.url,
            NATS_USER: 'daedalus',
            NATS_PASSWORD: wrong,
            NATS_TLS_CA: join(certDir, 'ca.pem'),
            NO_COLOR: '1',
          },
        },
      );
      const code = await exitOf(coordinator);
      expect(code).not.toBe(0);
      const output = coordinator.output();
      expect(output).toMatch(/authori[sz]ation/i);
      expect(output).not.toContain(wrong);
    });

    it('refuses a server certificate it cannot verify', async () => {
      const coordinator = system.group.start(
        'coordinator-no-ca',
        process.execPath,
        [join(__dirname, '../../dist/apps/coordinator/src/main.js')],
        {
          env: { ...process.env, NATS_SERVERS: system.nats.url, NATS_USER: 'daedalus', NATS_PASSWORD: PASSWORD, NO_COLOR: '1' },
        },
      );
      const code = await exitOf(coordinator);
      expect(code).not.toBe(0);
      expect(coordinator.output()).toMatch(/certificate/i);
      expect(coordinator.output()).not.toContain(PASSWORD);
    });

    it('never writes the password into a log', () => {
      const logs = allLogs(system);
      expect(logs).toContain('connected to');
      expect(logs).not.toContain(PASSWORD);
    });
  });

  describe('NATS with token auth', () => {
    beforeAll(async () => {
      await system.reconfigureNats({ serverArgs: ['--auth', TOKEN], client: { token: TOKEN } }, { NATS_TOKEN: TOKEN });
    }, 180_000);

    it('runs a global operation, and no log holds the token', async () => {
      const done = await globalFlush(system);
      expect(done.state).toBe('COMPLETED');
      expect(allLogs(system)).not.toContain(TOKEN);
    });
  });

  describe('a 3-server JetStream cluster with replicas 3', () => {
    beforeAll(async () => {
      await system.reconfigureNats({ clusterSize: 3 }, { DAEDALUS_NATS_REPLICAS: '3' });
    }, 180_000);

    it('creates every stream and bucket with 3 replicas', async () => {
      const nc = await system.connectNats();
      try {
        const jsm = await jetstreamManager(nc);
        for (const stream of [Streams.requests, Streams.commands, Streams.events, Streams.deadLetters]) {
          expect({ stream, replicas: (await jsm.streams.info(stream)).config.num_replicas }).toEqual({ stream, replicas: 3 });
        }
        const kvm = new Kvm(nc);
        for (const bucket of [Buckets.operations, Buckets.activeOperations, Buckets.nodes]) {
          expect({ bucket, replicas: (await (await kvm.open(bucket)).status()).replicas }).toEqual({ bucket, replicas: 3 });
        }
      } finally {
        await nc.close();
      }
    });
  });
});
