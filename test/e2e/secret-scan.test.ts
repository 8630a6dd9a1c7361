/**
 * Secrets in requests never leak (issue #12): a backup and a cluster-wide restore carrying probe secrets
 * (proxySettings.proxyUsername / proxyPassword and kmsKeyId: unique random strings) run on a real system —
 * nats-server, two simulated nodes, their agents, two coordinators, the gateway — and really use them: the store
 * is s3rver behind the SSE-answering front (test/support/proxy/s3-sse-front.ts), reached only through
 * authenticating forward proxies (test/support/proxy/test-proxy.ts) whose credentials are the probes, every object
 * written with SSE-KMS under the probe key. Both operations completing proves the agents opened the secrets and
 * used them (a wrong password is a 407, a wrong or missing key a refused write or read).
 * Then every place a secret could land is searched for the probes, byte for byte:
 *   every message published on the broker during the run (a subscription to `>`: requests, commands, events, KV
 *   writes, the `daedalus.operations.<id>` announcements, JetStream API replies with what they hold in base64;
 *   nats-server 2.9 does not show a `>` subscriber the deliveries to pull consumers, which carry the bytes
 *   published), every message still in every
 *   stream (requests, commands, events, DLQ, and each KV bucket's retained revisions), every HTTP answer
 *   (POST, GET /operations/{id}, GET /operations), every service's log, every file under the system's
 *   directory (the nats-server store, the nodes' data), the s3rver data directory, the proxies' and the
 *   emulator's logs, and what the front recorded, raw, recursively.
 * Zero hits, but for the one place a secret must be: the store is told the key id (it encrypts with it), so the
 * front's record of the writes holds it. A direct NATS client that submits a plain secret gets a FAILED record
 * naming the field; its probe is in none of the above but the broker's store (it published it there itself).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { NatsConnection, Subscription } from '@nats-io/transport-node';
import { MessageIds, SCHEMA_VERSION, Subjects } from '@daedalus/contracts';
import { publishJson } from '@daedalus/messaging';
import { makeTempDir, ProcessGroup, removeDir, waitFor } from '../support/processes';
import { DaedalusSystem, HttpResult, OperationView } from '../support/system';
import { startEmulator, StorageEmulator } from '../storage/emulators';
import { S3SseFront, startS3SseFront } from '../support/proxy/s3-sse-front';
import { startTestProxy, TestProxy } from '../support/proxy/test-proxy';
import { filesUnder } from './backup-support';

jest.setTimeout(300_000);

const probe = (what: string) => `probe-${what}-${randomBytes(12).toString('hex')}`;
/**
 * what the gateway is given (sealed by it): must be found nowhere. The backup and the restore go through proxies
 * of their own, each with its own probe credentials; the restore must name the key the backup was written with.
 */
const SEALED_PROBES = {
  backupPassword: probe('backup-pw'),
  backupUsername: probe('backup-user'),
  restorePassword: probe('restore-pw'),
  restoreUsername: probe('restore-user'),
  kms: probe('kms'),
  refusedPassword: probe('refused-pw'),
};
/** the Basic credentials the agents send the proxies, as on the wire: found nowhere either */
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
const WIRE_PROBES = {
  backupProxyAuthorization: basic(SEALED_PROBES.backupUsername, SEALED_PROBES.backupPassword),
  restoreProxyAuthorization: basic(SEALED_PROBES.restoreUsername, SEALED_PROBES.restorePassword),
};
/** what a direct NATS client publishes in plaintext: on the broker's disk by its own doing, nowhere else */
const DIRECT_PROBE = probe('direct-kms');
/** a control: the snapshot tag of the backup with secrets, which the store must hold (its manifests name it) */
const TAG = `with-secrets-${randomBytes(6).toString('hex')}`;

/** The S3 store, its SSE-answering front and the proxies, shared by both describes (started once). */
let infraDir: string;
let infraGroup: ProcessGroup;
let s3: StorageEmulator;
let front: S3SseFront;
let backupProxy: TestProxy;
let restoreProxy: TestProxy;
/** the agents reach s3rver only through the front (the endpoint), and the front only through a proxy (the request) */
let storeEnv: Record<string, string>;

beforeAll(async () => {
  infraDir = makeTempDir('secret-scan-infra');
  infraGroup = new ProcessGroup(infraDir);
  s3 = await startEmulator('s3', infraGroup, join(infraDir, 's3'));
  for (const name of ['backup-proxy', 'restore-proxy']) mkdirSync(join(infraDir, name));
  front = await startS3SseFront(s3.endpoint);
  [backupProxy, restoreProxy] = await Promise.all([
    startTestProxy(infraGroup, join(infraDir, 'backup-proxy'), SEALED_PROBES.backupUsername, SEALED_PROBES.backupPassword),
    startTestProxy(infraGroup, join(infraDir, 'restore-proxy'), SEALED_PROBES.restoreUsername, SEALED_PROBES.restorePassword),
  ]);
  storeEnv = { ...s3.env, AWS_ENDPOINT_URL: front.endpoint };
}, 120_000);

afterAll(async () => {
  await front?.close();
  await infraGroup?.stopAll();
  if (infraDir) removeDir(infraDir);
}, 60_000);

const proxySettings = (proxy: TestProxy, username: string, password: string) => ({
  useProxy: true,
  proxyHost: '127.0.0.1',
  proxyPort: proxy.port,
  proxyProtocol: 'http',
  proxyUsername: username,
  proxyPassword: password,
});

/** Counts, per probe, where it was found. */
class Hits {
  readonly found: string[] = [];
  constructor(private readonly probes: Record<string, string>) {}

  scan(where: string, data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (const [name, value] of Object.entries(this.probes)) {
      if (bytes.includes(value)) this.found.push(`${name} in ${where}`);
    }
  }
}

/**
 * A message's bytes, and what a JetStream API reply holds base64-encoded (a KV get or a stream message get
 * answers `{message: {data, hdrs}}`): a probe there would not show in the raw bytes.
 */
function readableParts(data: Uint8Array): Array<[string, Uint8Array | string]> {
  const parts: Array<[string, Uint8Array | string]> = [['message', data]];
  if (data[0] !== 0x7b) return parts;
  try {
    const reply = JSON.parse(Buffer.from(data).toString('utf8')) as { message?: { data?: unknown; hdrs?: unknown } };
    for (const field of ['data', 'hdrs'] as const) {
      const encoded = reply.message?.[field];
      if (typeof encoded === 'string') parts.push([`base64 ${field} of a JetStream API reply`, Buffer.from(encoded, 'base64')]);
    }
  } catch {
    // not JSON: the raw bytes were scanned
  }
  return parts;
}

describe('secret scan: request secrets appear in no log, record, message, answer or file', () => {
  let system: DaedalusSystem;
  let tap: NatsConnection;
  let everything: Subscription;
  let announcementsSub: Subscription;
  const everywhere = new Hits({ ...SEALED_PROBES, ...WIRE_PROBES, direct: DIRECT_PROBE });
  /** the direct client's own plaintext is on the bus where it published it, and in its deliveries to a coordinator */
  const onTheBus = new Hits({ ...SEALED_PROBES, ...WIRE_PROBES });
  const onDisk = new Hits({ ...SEALED_PROBES, ...WIRE_PROBES });
  /**
   * controls: the scans do see what they should (the direct client's plaintext where it put it, sealed values,
   * the backup's tag in the s3rver data directory, the key id where the store was told it)
   */
  const controls = new Hits({ direct: DIRECT_PROBE, sealed: 'sealed:v1:', tag: TAG, kms: SEALED_PROBES.kms });
  let messagesSeen = 0;
  let announcements = 0;
  const answers: Array<[string, HttpResult]> = [];
  const done: Record<string, OperationView> = {};

  beforeAll(async () => {
    system = await DaedalusSystem.start({ nodes: 2, coordinators: 2, env: storeEnv });
    expect(system.requestSecretsKeyFile).toBeDefined();
    // every message on the broker from here on, and the announcements on their own (they are core NATS only)
    tap = await system.connectNats();
    everything = tap.subscribe('>');
    void (async () => {
      for await (const message of everything) {
        messagesSeen += 1;
        const hits = message.subject === Subjects.submit || message.subject.startsWith('_INBOX.') ? onTheBus : everywhere;
        for (const [part, data] of readableParts(message.data)) {
          hits.scan(`${part} on ${message.subject}`, data);
          controls.scan(`${part} on ${message.subject}`, data);
        }
        if (message.headers) hits.scan(`headers of a message on ${message.subject}`, message.headers.toString());
      }
    })();
    announcementsSub = tap.subscribe('daedalus.operations.>');
    void (async () => {
      for await (const message of announcementsSub) {
        announcements += 1;
        everywhere.scan(`announcement ${message.subject}`, message.data);
      }
    })();
    await tap.flush();
    await system.createTables('shop', ['orders', 'customers'], 120);
  }, 240_000);

  afterAll(async () => {
    await tap?.close().catch(() => undefined);
    await system?.stop();
  }, 60_000);

  const post = async (what: string, body: Record<string, unknown>): Promise<HttpResult> => {
    const answer = await system.post('/operations', body);
    answers.push([`POST ${what}`, answer]);
    return answer;
  };

  it('runs a backup and a restore that use the secrets the agents open (every node completes every phase)', async () => {
    const location = 's3://secret-scan';
    const checksums = async () => Promise.all(system.nodes.map(async (n) => String(await system.simOf(n).checksum('shop', 'orders'))));
    const flush = async () => {
      const response = await post('flush', { type: 'flush', keyspace: 'shop', globalRequest: true });
      expect((await system.waitForOperation((response.body as OperationView).id)).state).toBe('COMPLETED');
    };
    await flush();
    const before = await checksums();
    const backup = await post('backup', {
      type: 'backup',
      globalRequest: true,
      storageLocation: location,
      snapshotTag: TAG,
      createMissingBucket: true,
      kmsKeyId: SEALED_PROBES.kms,
      proxySettings: proxySettings(backupProxy, SEALED_PROBES.backupUsername, SEALED_PROBES.backupPassword),
    });
    expect(backup.status).toBe(201);
    expect(backup.body).toMatchObject({
      kmsKeyId: '[redacted]',
      proxySettings: { proxyUsername: '[redacted]', proxyPassword: '[redacted]' },
    });
    done.backup = await system.waitForOperation((backup.body as OperationView).id, undefined, 120_000);
    expect(done.backup.errors).toEqual([]);
    // the key reached the store: every object write (data files, manifests, indexes) asked for SSE-KMS with it
    const writes = front.writes();
    expect(writes.length).toBeGreaterThanOrEqual(2 * 3);
    expect(writes.filter((w) => w.sse !== 'aws:kms' || w.kmsKeyId !== SEALED_PROBES.kms)).toEqual([]);
    const upload = (done.backup.response as { UPLOAD: Record<string, { backupName: string }> }).UPLOAD;
    const backupName = Object.values(upload)[0].backupName;

    // rows the backup lacks: the restore must take them away
    await system.simOf(system.nodes[0]).writeRows('shop', 'orders', 50, 4242);
    await flush();
    expect(await checksums()).not.toEqual(before);
    const restoreStart = front.records.length;
    const restore = await post('restore', {
      type: 'restore',
      globalRequest: true,
      storageLocation: location,
      snapshotTag: backupName,
      restorationStrategyType: 'IMPORT',
      kmsKeyId: SEALED_PROBES.kms,
      proxySettings: proxySettings(restoreProxy, SEALED_PROBES.restoreUsername, SEALED_PROBES.restorePassword),
    });
    expect(restore.status).toBe(201);
    done.restore = await system.waitForOperation((restore.body as OperationView).id, undefined, 120_000);

    // an agent that could not open a secret fails its node with "invalid request: <field>: ..."; these ran through
    for (const operation of [done.backup, done.restore]) {
      expect(operation.errors).toEqual([]);
      expect(operation.state).toBe('COMPLETED');
      expect(operation.nodes.map((n) => n.state)).toEqual(['COMPLETED', 'COMPLETED']);
    }
    expect(Object.keys(done.restore.response as object)).toEqual(['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP']);
    expect(await checksums()).toEqual(before);
    // the restore read the objects back (the store answered that they are encrypted with the key, or it would
    // have failed), through its own proxy with its own credentials
    const reads = front.records.slice(restoreStart).filter((r) => r.method === 'GET' && r.path.includes('/data/'));
    expect(reads.length).toBeGreaterThan(0);
    // each proxy let through every request its operation sent, with that operation's probe credentials
    for (const proxy of [backupProxy, restoreProxy]) {
      const seen = proxy.seen();
      expect(seen.filter((line) => line.allowed).length).toBeGreaterThan(0);
      expect(seen.filter((line) => !line.allowed)).toEqual([]);
      expect(seen.every((line) => line.target.startsWith(front.endpoint))).toBe(true);
    }
  });

  it('answers an invalid request carrying a secret with a 400 that does not quote it', async () => {
    const refused = await post('invalid backup', {
      type: 'backup',
      globalRequest: true,
      storageLocation: 's3://secret-scan',
      concurrentConnections: 0,
      proxySettings: { proxyPassword: SEALED_PROBES.refusedPassword },
    });
    expect(refused.status).toBe(400);
  });

  it('fails a direct NATS submission carrying a plain secret, naming the field', async () => {
    const id = randomUUID();
    const js = jetstream(tap);
    const request = { type: 'backup', globalRequest: true, storageLocation: 's3://secret-scan', kmsKeyId: DIRECT_PROBE };
    await publishJson(js, Subjects.submit, { schemaVersion: SCHEMA_VERSION, operationId: id, request }, MessageIds.submit(id));
    done.direct = await system.waitForOperation(id);
    expect(done.direct.state).toBe('FAILED');
    expect(done.direct.errors).toEqual([
      {
        source: 'coordinator',
        message: 'kmsKeyId: secrets must be sealed (submit through the gateway, or seal with the request secrets key)',
      },
    ]);
    expect(done.direct.kmsKeyId).toBe('[redacted]');
  });

  it('finds no probe anywhere', async () => {
    // HTTP: each operation, and the list
    for (const operation of Object.values(done))
      answers.push([`GET /operations/${operation.id}`, await system.get(`/operations/${operation.id}`)]);
    answers.push(['GET /operations', await system.get('/operations')]);
    for (const [what, answer] of answers) everywhere.scan(`answer to ${what}`, JSON.stringify(answer.body));

    // every message still in every stream: requests, commands, events, DLQ, and every KV bucket's revisions
    const jsm = await jetstreamManager(tap);
    let stored = 0;
    for await (const stream of jsm.streams.list()) {
      const { first_seq: first, last_seq: last } = stream.state;
      for (let seq = first; seq > 0 && seq <= last; seq++) {
        const message = await jsm.streams.getMessage(stream.config.name, { seq }).catch(() => null);
        if (!message) continue;
        stored += 1;
        everywhere.scan(`stream ${stream.config.name} #${seq} (${message.subject})`, message.data);
        controls.scan(`stream ${stream.config.name}`, message.data);
        if (message.header) everywhere.scan(`headers of stream ${stream.config.name} #${seq}`, message.header.toString());
      }
    }
    // the operations bucket keeps at least the last revision of each record: the three are among what was read
    expect(stored).toBeGreaterThan(3);

    // wait for the last announcements, then stop every service and the broker cleanly, so logs and the store are complete
    await tap.flush();
    await waitFor('the tap to drain', async () => everything.getPending() === 0, 10_000);
    await Promise.all([system.gateway, ...system.coordinators, ...system.agents].map((p) => system.group.kill(p, 'SIGTERM')));
    await Promise.all(system.natsServers.map((server) => system.group.kill(server.process, 'SIGTERM')));

    // every file of the system (the nats-server store, every log, the nodes' data), and of the store: the s3rver
    // data directory (objects and their metadata), the proxies' request logs, the emulator's and proxies' output
    const files = [...(await filesUnder(system.baseDir)), ...(await filesUnder(infraDir))];
    const s3Dir = join(infraDir, 's3');
    const logs = files.filter((file) => file.endsWith('.log') || file.endsWith('.jsonl'));
    // gateway, 2 coordinators, 2 agents, 2 simulators, nats-server; s3rver, 2 proxies (output and request log)
    expect(logs.length).toBeGreaterThanOrEqual(2 + 2 + 2 + 1 + 1 + 2 * 2);
    // the services write JSON lines (design.md "Logs"): what is scanned is what a log collector gets
    const serviceLogs = logs.filter((file) => /\/logs\/(gateway|coordinator|agent)[^/]*\.log$/.test(file));
    expect(serviceLogs.length).toBeGreaterThanOrEqual(1 + 2 + 2);
    const notJson = (line: string) => {
      try {
        return typeof (JSON.parse(line) as { msg?: unknown }).msg !== 'string';
      } catch {
        return true;
      }
    };
    for (const file of serviceLogs) {
      const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');
      expect({ file, notJson: lines.filter(notJson) }).toEqual({ file, notJson: [] });
    }
    let bytes = 0;
    for (const file of files) {
      const content = await readFile(file).catch(() => undefined);
      if (!content) continue;
      bytes += content.length;
      if (file.endsWith('.log') || file.endsWith('.jsonl')) everywhere.scan(`log ${file}`, content);
      onDisk.scan(`file ${file}`, content);
      const where = file.startsWith(`${system.baseDir}/nats/`)
        ? 'in the NATS store'
        : file.startsWith(s3Dir)
          ? 'in the s3rver store'
          : file;
      controls.scan(`file ${where}`, content);
    }
    const storeFiles = files.filter((file) => file.startsWith(`${system.baseDir}/nats/`));
    expect(storeFiles.length).toBeGreaterThan(0);
    const objectFiles = files.filter((file) => file.startsWith(s3Dir));
    expect(objectFiles.length).toBeGreaterThan(2 * 3);

    // The one legitimate place of a secret: the store must know the key id to encrypt with it (AWS keeps it in the
    // object's metadata and names it in every answer). s3rver ignores SSE headers, so the front holds it, in what
    // it recorded of the writes; nothing else of the requests' secrets may reach the store, the front or the proxies.
    const { kms: _legitimate, ...notForTheStore } = SEALED_PROBES;
    const inTheFront = new Hits({ ...notForTheStore, ...WIRE_PROBES, direct: DIRECT_PROBE });
    const frontRecords = JSON.stringify(front.records);
    inTheFront.scan("the front's records", frontRecords);
    controls.scan("the front's records", frontRecords);

    console.log(
      `secret scan: ${messagesSeen} messages on the broker (${announcements} announcements), ${stored} stored messages, ` +
        `${answers.length} HTTP answers, ${logs.length} logs, ${files.length} files (${storeFiles.length} in the NATS store, ` +
        `${objectFiles.length} in the s3rver store, ` +
        `${(bytes / 1024 / 1024).toFixed(1)} MiB): ${everywhere.found.length + onTheBus.found.length + onDisk.found.length + inTheFront.found.length} hits`,
    );
    const seen = (control: string) => [...new Set(controls.found.filter((hit) => hit.startsWith(control)))];
    console.log(`controls: ${seen('direct').join('; ')}; sealed values in ${seen('sealed').length} places`);
    // the tap saw the direct client's plaintext where it published it; sealed values are in the stored records,
    // the commands on the bus and the store on disk
    expect(seen('direct')).toContain(`direct in message on ${Subjects.submit}`);
    expect(seen('sealed')).toEqual(
      expect.arrayContaining([
        'sealed in stream KV_daedalus-operations',
        `sealed in message on ${Subjects.submit}`,
        // the records as the agents and coordinators read them (KV gets go to the stream leader, base64 in the reply)
        expect.stringMatching(/^sealed in base64 data of a JetStream API reply on _INBOX\./),
        expect.stringMatching(/^sealed in message on daedalus\.commands\./),
        'sealed in file in the NATS store',
      ]),
    );
    // the s3rver data directory was read (the backup's manifests name its tag) and the store was told the key
    expect(seen('tag')).toContain('tag in file in the s3rver store');
    expect(seen('kms')).toEqual(["kms in the front's records"]);
    expect(messagesSeen).toBeGreaterThan(100);
    expect(announcements).toBeGreaterThan(5);
    expect(everywhere.found).toEqual([]);
    expect(onTheBus.found).toEqual([]);
    expect(onDisk.found).toEqual([]);
    expect(inTheFront.found).toEqual([]);
  });
});

describe('secret scan: an agent that does not hold the key', () => {
  let system: DaedalusSystem;
  let keyDir: string;

  beforeAll(async () => {
    keyDir = makeTempDir('secret-scan-other-key');
    const otherKey = `${keyDir}/other.key`;
    writeFileSync(otherKey, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    // the second node's agent holds another key (a flag wins over the harness's environment)
    system = await DaedalusSystem.start({
      nodes: 2,
      coordinators: 1,
      env: storeEnv,
      agentArgsByNode: { 1: ['--request-secrets-key-file', otherKey] },
    });
    await system.createTables('shop', ['orders'], 20);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (keyDir) removeDir(keyDir);
  }, 60_000);

  it('fails its node naming the field and the key id, and quotes the secret nowhere', async () => {
    // the first node's agent opens the key id and backs up with it (the front answers for SSE-KMS)
    const secret = probe('other-key-kms');
    const answer = await system.post('/operations', {
      type: 'backup',
      globalRequest: true,
      storageLocation: 's3://secret-scan-other-key',
      createMissingBucket: true,
      kmsKeyId: secret,
    });
    expect(answer.status).toBe(201);
    const operation = await system.waitForOperation((answer.body as OperationView).id, undefined, 120_000);
    expect(operation.state).toBe('FAILED');
    const byHost = new Map(operation.nodes.map((n) => [n.hostId, n]));
    expect(byHost.get(system.nodes[0].hostId)?.state).toBe('COMPLETED');
    const refused = byHost.get(system.nodes[1].hostId);
    expect(refused?.state).toBe('FAILED');
    expect(refused?.message).toMatch(
      /^invalid request: kmsKeyId: sealed with key [0-9a-f]{16}, which this service does not hold \(it holds [0-9a-f]{16}\)$/,
    );
    expect(JSON.stringify(operation)).not.toContain(secret);
    const logs = (await filesUnder(`${system.baseDir}/logs`)).filter((file) => file.endsWith('.log'));
    for (const log of logs) expect((await readFile(log)).includes(secret)).toBe(false);
  });
});
