/**
 * The least-privilege nats-server of deploy/nats (docs/design.md, "NATS permissions"): a server started with the
 * configuration scripts/nats-config.ts writes, one nkey identity per service (the gateway, the coordinators, one
 * per node agent), each service with its own. The whole system runs a backup and a restore that way; then the
 * attacks of a security review of an open server are replayed with an agent's credentials (and the gateway's),
 * and the server itself must refuse each one — whatever the services would have done with the message.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, ConnectionOptions, NatsConnection, nkeyAuthenticator } from '@nats-io/transport-node';
import { Buckets, Consumers, SCHEMA_VERSION, Streams, Subjects } from '@daedalus/contracts';
import { readNkeySeed } from '@daedalus/messaging';
import { nkeySeedPath, passwordVariable, provision, serverConfig } from '../../scripts/nats-config';
import { agentIdentity, clientIdentity, coordinatorIdentity, gatewayIdentity, Identity } from '../../scripts/nats/permissions';
import { natsServerBinary, reloadNatsServer, startNatsServerWithConfig } from '../support/nats';
import { makeTempDir, removeDir, sleep } from '../support/processes';
import { SseConnection } from '../support/sse-client';
import { DaedalusSystem, OperationView, ServiceRole } from '../support/system';
import { runBackup } from './backup-support';

jest.setTimeout(300_000);

const KS = 'shop';
const TABLES = ['orders', 'bulk'];

/** A call the server must refuse for this identity's permissions (at once: the client fails the request). */
async function expectRefused(what: string, attempt: () => Promise<unknown>): Promise<void> {
  const outcome = await attempt().then(
    () => 'allowed',
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  expect({ what, outcome }).toEqual({ what, outcome: expect.stringMatching(/permissions violation/i) });
}

/** A subscription the server must refuse: the client closes it with the server's error. */
async function expectSubscriptionRefused(nc: NatsConnection, subject: string): Promise<void> {
  const subscription = nc.subscribe(subject, { callback: () => undefined });
  const closed = await Promise.race([subscription.closed, sleep(5_000).then(() => 'still open')]);
  expect({ subject, closed: String(closed) }).toEqual({
    subject,
    closed: expect.stringMatching(/permissions violation for subscription/i),
  });
}

describe('a least-privilege nats-server: one identity per service (deploy/nats)', () => {
  let dir: string;
  let keysDir: string;
  let configFile: string;
  let system: DaedalusSystem;
  let location: string;
  const open: NatsConnection[] = [];

  const identityOf = (role: ServiceRole): Identity =>
    role.kind === 'gateway' ? gatewayIdentity() : role.kind === 'coordinator' ? coordinatorIdentity() : agentIdentity(role.node.hostId);
  const envOf = (identity: Identity): NodeJS.ProcessEnv => ({
    NATS_NKEY: nkeySeedPath(keysDir, identity),
    NATS_INBOX_PREFIX: identity.inboxPrefix,
  });
  const clientOf = (identity: Identity): Partial<ConnectionOptions> => ({
    authenticator: nkeyAuthenticator(readNkeySeed(nkeySeedPath(keysDir, identity))),
    inboxPrefix: identity.inboxPrefix,
  });
  const writeConfig = (hostIds: string[]) =>
    writeFileSync(configFile, serverConfig({ hostIds, clients: ['ops'], auth: 'nkey', keysDir, storeDir: join(dir, 'jetstream') }), {
      mode: 0o600,
    });
  const connectAs = async (identity: Identity): Promise<NatsConnection> => {
    const nc = await connect({ servers: system.nats.url, timeout: 10_000, ...clientOf(identity) });
    open.push(nc);
    return nc;
  };
  const hostIds = () => system.nodes.map((node) => node.hostId);
  const attacker = () => agentIdentity(system.nodes[0].hostId);
  const victim = () => system.nodes[1].hostId;
  const checksums = (table: string) => Promise.all(system.nodes.map(async (node) => String(await system.simOf(node).checksum(KS, table))));
  const truncations = () => Promise.all(system.nodes.map((node) => system.simOf(node).truncationCount(KS, 'orders')));

  /** The services' own logs (not nats-server's, which records the attacks' violations), by file. */
  const serviceLogFiles = (): Map<string, string> => {
    const logs = join(system.baseDir, 'logs');
    const files = readdirSync(logs).filter((name) => /^(gateway|coordinator|agent)/.test(name));
    return new Map(files.map((name) => [name, readFileSync(join(logs, name), 'utf8')]));
  };
  /** What the services logged since `mark` (a serviceLogFiles of earlier). */
  const serviceLogs = (mark = new Map<string, string>()) =>
    [...serviceLogFiles()].map(([name, text]) => text.slice(mark.get(name)?.length ?? 0)).join('\n');

  beforeAll(async () => {
    dir = makeTempDir('nats-permissions');
    keysDir = join(dir, 'nats-keys');
    configFile = join(dir, 'nats-server.conf');
    location = `file://${join(dir, 'store')}/bucket`;
    // no agents yet: the simulated nodes' host IDs are known once they run
    writeConfig([]);
    system = await DaedalusSystem.start({
      baseDir: join(dir, 'system'),
      nodes: 2,
      coordinators: 2,
      nats: { serverArgs: ['-c', configFile], client: clientOf(gatewayIdentity()) },
      serviceEnv: (role) => envOf(identityOf(role)),
      // as an operator adding nodes would: one identity per host ID and the server reloaded. The harness starts
      // the agents before any coordinator, and an agent may not create streams: they are provisioned first (each
      // agent creates its own consumer)
      beforeServices: async (started) => {
        writeConfig(started.nodes.map((node) => node.hostId));
        await reloadNatsServer(started.group, started.nats);
        await provision({ hostIds: [] }, { NATS_SERVERS: started.nats.url, ...envOf(coordinatorIdentity()) });
      },
    });
    await system.createTables(KS, TABLES, 100);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
    await system?.stop();
    if (dir && !process.env.DAEDALUS_KEEP_TEST_DIRS) removeDir(dir);
  }, 60_000);

  async function flush(): Promise<void> {
    const response = await system.post('/operations', { type: 'flush', keyspace: KS, globalRequest: true });
    expect((await system.waitForOperation((response.body as OperationView).id)).state).toBe('COMPLETED');
  }

  let atBackup: string[] = [];
  let backupName = '';

  it('runs a backup with each service on its own identity, and no service is refused anything', async () => {
    await flush();
    atBackup = await checksums('orders');
    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'perm', createMissingBucket: true, entities: KS });
    expect(backup.operation.errors).toEqual([]);
    expect(backup.operation.state).toBe('COMPLETED');
    backupName = backup.backupName;
    // core request/reply across identities: the gateway asks, an agent answers on the gateway's own inbox
    const topology = await system.get('/topology');
    expect(topology.body).toMatchObject({ source: 'live' });
    const listing = await system.get(`/backups?storageLocation=${encodeURIComponent(location)}`);
    expect(listing.status).toBe(200);
    expect(JSON.stringify(listing.body)).toContain(backupName);
    // the gateway's event streams watch the operations bucket under its identity: a replay, and a live watch
    const replay = await SseConnection.open(`${system.gatewayUrl}/operations/${backup.operation.id}/events`);
    const states: string[] = [];
    for (let event = await replay.nextEvent(); event; event = await replay.nextEvent()) {
      states.push((JSON.parse(event.data) as OperationView).state);
    }
    expect(states[states.length - 1]).toBe('COMPLETED');
    const live = await SseConnection.open(`${system.gatewayUrl}/events?type=flush`);
    await flush();
    expect((JSON.parse((await live.nextEvent())?.data ?? '{}') as OperationView).type).toBe('flush');
    live.close();
    // every subject the services used is in their permissions: not one refusal in their logs
    expect(serviceLogs()).not.toMatch(/permissions violation/i);
  });

  // Agents never write operation records: they report each truncation and import in their own signed events
  // and the coordinators keep the restore ledger in the record (docs/design.md, "Restore").
  it('runs a restore with each service on its own identity, the coordinators keeping its ledger', async () => {
    expect(backupName).not.toBe('');

    for (const node of system.nodes) await system.simOf(node).writeRows(KS, 'orders', 40, 7 + node.index);
    await flush();
    expect(await checksums('orders')).not.toEqual(atBackup);
    const before = await truncations();
    const restore = await system.post('/operations', {
      type: 'restore',
      storageLocation: location,
      snapshotTag: backupName,
      globalRequest: true,
      entities: KS,
    });
    expect(restore.status).toBe(201);
    const done = await system.waitForOperation((restore.body as OperationView).id, undefined, 120_000);
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    expect(await checksums('orders')).toEqual(atBackup);
    expect(await truncations()).toEqual(before.map((n) => n + 1));
    // the ledger the coordinators folded from the agents' events: each table truncated once, imported on each node
    const reader = await connectAs(clientIdentity('ops'));
    const stored = await new Kvm(reader).open(Buckets.operations).then((kv) => kv.get(done.id));
    const ledger = stored?.json<{ restoreLedger?: { truncated: string[]; imported: Record<string, string[]> } }>().restoreLedger;
    const tables = TABLES.map((table) => `${KS}.${table}`).sort();
    expect(ledger?.truncated.slice().sort()).toEqual(tables);
    expect(Object.fromEntries(Object.entries(ledger?.imported ?? {}).map(([host, list]) => [host, list.slice().sort()]))).toEqual(
      Object.fromEntries(hostIds().map((host) => [host, tables])),
    );
    expect(serviceLogs()).not.toMatch(/permissions violation/i);
  });

  it('refuses a client without credentials at connect', async () => {
    const outcome = await connect({ servers: system.nats.url, timeout: 5_000 }).then(
      async (nc) => {
        await nc.close();
        return 'connected';
      },
      (error: unknown) => String(error),
    );
    expect(outcome).toMatch(/authorization violation/i);
  });

  describe("with an agent's credentials", () => {
    let nc: NatsConnection;
    beforeAll(async () => {
      nc = await connectAs(attacker());
    });

    it('cannot submit, cancel, resume or relay an alert', async () => {
      const js = jetstream(nc);
      const submit = {
        schemaVersion: SCHEMA_VERSION,
        operationId: randomUUID(),
        request: { type: 'flush' },
        submittedAt: new Date().toISOString(),
      };
      await expectRefused('submit', () => js.publish(Subjects.submit, JSON.stringify(submit)));
      await expectRefused('cancel', () => js.publish(Subjects.cancel, '{}'));
      await expectRefused('resume', () => js.publish(Subjects.resume, '{}'));
      await expectRefused('alert', () => js.publish(Subjects.alert, '{}'));
    });

    it("cannot subscribe to, pull or fetch another node's commands", async () => {
      await expectSubscriptionRefused(nc, Subjects.commandsFor(victim()));
      await expectSubscriptionRefused(nc, Subjects.commandsAll);
      const jsm = await jetstreamManager(nc);
      const theirs = Consumers.agentCommands(victim());
      await expectRefused('consumer info', () => jsm.consumers.info(Streams.commands, theirs));
      await expectRefused('pull', () => nc.request(`$JS.API.CONSUMER.MSG.NEXT.${Streams.commands}.${theirs}`, '{"batch":1}'));
      await expectRefused('message get', () => jsm.streams.getMessage(Streams.commands, { last_by_subj: Subjects.commandsFor(victim()) }));
      // nor point a consumer at them: another durable, an ephemeral one, or its own durable given their filter
      const own = Consumers.agentCommands(system.nodes[0].hostId);
      await expectRefused('their durable', () =>
        jsm.consumers.add(Streams.commands, { durable_name: theirs, filter_subject: Subjects.commandsFor(victim()) }),
      );
      await expectRefused('ephemeral', () => jsm.consumers.add(Streams.commands, { filter_subject: Subjects.commandsFor(victim()) }));
      await expectRefused('own durable, their filter', () =>
        jsm.consumers.add(Streams.commands, { durable_name: own, filter_subject: Subjects.commandsFor(victim()) }),
      );
      // the subject names its filter; a configuration with another one is refused by JetStream itself (10131)
      const forged = JSON.stringify({
        stream_name: Streams.commands,
        config: { durable_name: own, filter_subject: Subjects.commandsFor(victim()), ack_policy: 'explicit' },
      });
      const reply = await nc.request(
        `$JS.API.CONSUMER.CREATE.${Streams.commands}.${own}.${Subjects.commandsFor(system.nodes[0].hostId)}`,
        forged,
      );
      expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({ error: { err_code: 10131 } });
      expect((await jsm.consumers.info(Streams.commands, own)).config.filter_subject).toBe(Subjects.commandsFor(system.nodes[0].hostId));
    });

    it('cannot write an operation record, an active marker or another node’s registration', async () => {
      const kvm = new Kvm(nc);
      const records = await kvm.open(Buckets.operations);
      await expectRefused('record put', () => records.put(randomUUID(), '{}'));
      await expectRefused('record create', () => records.create(randomUUID(), '{}'));
      await expectRefused('marker', () => nc.request(`$KV.${Buckets.activeOperations}.${randomUUID()}`, '{}'));
      await expectRefused('registration', () => nc.request(`$KV.${Buckets.nodes}.${victim()}`, '{}'));
      await expectRefused('stream purge', () => jetstreamManager(nc).then((jsm) => jsm.streams.purge(`KV_${Buckets.operations}`)));
    });

    it('cannot publish an event for another host, nor read other identities’ replies', async () => {
      const js = jetstream(nc);
      await expectRefused('event of another host', () => js.publish(Subjects.eventsFor(randomUUID(), victim()), '{}'));
      await expectSubscriptionRefused(nc, '_INBOX.>');
      await expectSubscriptionRefused(nc, `${gatewayIdentity().inboxPrefix}.>`);
      await expectSubscriptionRefused(nc, Subjects.nodeQuery(victim()));
    });
  });

  describe("with a direct client's credentials (--clients ops)", () => {
    it('submits on NATS and reads the record and its announcements, but sends no command and writes no record', async () => {
      const nc = await connectAs(clientIdentity('ops'));
      const id = randomUUID();
      const announced = nc.subscribe(Subjects.operationUpdates(id), { max: 1 });
      const submit = {
        schemaVersion: SCHEMA_VERSION,
        operationId: id,
        request: { type: 'flush', keyspace: KS, globalRequest: true },
        submittedAt: new Date().toISOString(),
      };
      await jetstream(nc).publish(Subjects.submit, JSON.stringify(submit), { msgID: `submit.${id}` });
      const done = await system.waitForOperation(id);
      expect(done.state).toBe('COMPLETED');
      const record = await new Kvm(nc).open(Buckets.operations).then((kv) => kv.get(id));
      expect(record?.json<{ state: string }>().state).toBe('COMPLETED');
      for await (const message of announced) expect(message.json<{ id: string }>().id).toBe(id);
      await expectRefused('command', () => jetstream(nc).publish(Subjects.commandsFor(victim()), '{}'));
      await expectRefused('record', () => new Kvm(nc).open(Buckets.operations).then((kv) => kv.put(id, '{}')));
      await expectSubscriptionRefused(nc, Subjects.eventsAll);
    });
  });

  describe("with the gateway's credentials", () => {
    let nc: NatsConnection;
    beforeAll(async () => {
      nc = await connectAs(gatewayIdentity());
    });

    it('cannot publish commands or node events, nor read the traffic', async () => {
      const js = jetstream(nc);
      await expectRefused('command', () => js.publish(Subjects.commandsFor(victim()), '{}'));
      await expectRefused('event', () => js.publish(Subjects.eventsFor(randomUUID(), victim()), '{}'));
      await expectSubscriptionRefused(nc, '>');
      await expectSubscriptionRefused(nc, Subjects.commandsAll);
    });
  });

  describe('the attacks of the security review, replayed with an agent’s credentials: each refused by the server', () => {
    let nc: NatsConnection;
    let gateway: NatsConnection;
    beforeAll(async () => {
      nc = await connectAs(attacker());
      gateway = await connectAs(gatewayIdentity());
    });

    const event = (operationId: string, hostId: string, kind: string, phase?: string) =>
      JSON.stringify({
        schemaVersion: SCHEMA_VERSION,
        kind,
        operationId,
        hostId,
        progress: 1,
        phase,
        message: 'forged',
        at: new Date().toISOString(),
      });

    it('(1) subscribing to > to read all traffic', async () => {
      await expectSubscriptionRefused(nc, '>');
      await expectSubscriptionRefused(nc, 'daedalus.>');
      await expectSubscriptionRefused(nc, '$JS.ACK.>');
    });

    it('(2) a forged operation record in KV plus a command that truncates a table on every node', async () => {
      const id = randomUUID();
      const before = await truncations();
      const forged = {
        id,
        type: 'truncate',
        state: 'RUNNING',
        phase: 'TRUNCATE',
        request: { type: 'truncate', keyspace: KS, table: 'orders' },
      };
      await expectRefused('forged record', () => new Kvm(nc).open(Buckets.operations).then((kv) => kv.put(id, JSON.stringify(forged))));
      const command = {
        schemaVersion: SCHEMA_VERSION,
        kind: 'run',
        operationId: id,
        type: 'truncate',
        request: forged.request,
        issuedAt: new Date().toISOString(),
      };
      for (const hostId of hostIds()) {
        await expectRefused(`command to ${hostId}`, () =>
          jetstream(nc).publish(Subjects.commandsFor(hostId), JSON.stringify({ ...command, hostId })),
        );
      }
      await sleep(1_000);
      expect(await new Kvm(gateway).open(Buckets.operations).then((kv) => kv.get(id))).toBeNull();
      expect(await truncations()).toEqual(before);
    });

    it('(3) a command no operation asked for, even to its own node', async () => {
      const command = { schemaVersion: SCHEMA_VERSION, kind: 'run', operationId: randomUUID(), type: 'flush', request: { type: 'flush' } };
      await expectRefused('own node', () => jetstream(nc).publish(Subjects.commandsFor(system.nodes[0].hostId), JSON.stringify(command)));
    });

    it("(4) a node event failing another client's running backup, and (5) events reporting it COMPLETED though never committed", async () => {
      // new SSTables, so the throttled backup has seconds of uploading to do while it is attacked
      for (const node of system.nodes) await system.simOf(node).generateSSTables(KS, 'bulk', 2, 512 * 1024);
      const response = await system.post('/operations', {
        type: 'backup',
        globalRequest: true,
        storageLocation: location,
        snapshotTag: 'attacked',
        entities: KS,
        bandwidth: { value: 256, unit: 'KBPS' },
      });
      expect(response.status).toBe(201);
      const id = (response.body as OperationView).id;
      const running = await system.waitForOperation(id, (op) => op.state !== 'PENDING', 60_000);
      expect(running.state).toBe('RUNNING');
      const js = jetstream(nc);
      await expectRefused('(4) failed event', () => js.publish(Subjects.eventsFor(id, victim()), event(id, victim(), 'failed', 'UPLOAD')));
      for (const phase of ['UPLOAD', 'COMMIT']) {
        await expectRefused(`(5) completed ${phase}`, () =>
          js.publish(Subjects.eventsFor(id, victim()), event(id, victim(), 'completed', phase)),
        );
      }
      expect((await system.get(`/operations/${id}`)).body).toMatchObject({ state: 'RUNNING' });
      const done = await system.waitForOperation(id, undefined, 120_000);
      expect(done.errors).toEqual([]);
      expect(done.state).toBe('COMPLETED');
      const commit = (done.response as { COMMIT?: Record<string, unknown> } | undefined)?.COMMIT;
      expect(Object.keys(commit ?? {}).length).toBeGreaterThan(0);
    });

    it('(6) a submission reusing an existing operation id with another request: an agent cannot submit at all', async () => {
      const flush = await system.post('/operations', { type: 'flush', keyspace: KS, globalRequest: true });
      const id = (flush.body as OperationView).id;
      await system.waitForOperation(id);
      const reuse = {
        schemaVersion: SCHEMA_VERSION,
        operationId: id,
        request: { type: 'truncate', keyspace: KS, table: 'orders' },
        submittedAt: new Date().toISOString(),
      };
      await expectRefused('reused id', () =>
        jetstream(nc).publish(Subjects.submit, JSON.stringify(reuse), { msgID: `submit.${id}.forged` }),
      );
      // the gateway's identity may submit: a reused id is the coordinators' to refuse (defence in depth), not the server's
    });
  });
  describe('the other credential modes', () => {
    it('password: the same identities by user name and password, with the same permissions', async () => {
      const hostId = system.nodes[0].hostId;
      const passwords = { [passwordVariable(gatewayIdentity())]: 'pw-gateway-1', [passwordVariable(agentIdentity(hostId))]: 'pw-agent-1' };
      const file = join(dir, 'password.conf');
      writeFileSync(
        file,
        serverConfig(
          { hostIds: [hostId], auth: 'password', keysDir: join(dir, 'password-keys'), storeDir: join(dir, 'js-password') },
          passwords,
        ),
        {
          mode: 0o600,
        },
      );
      const server = await startNatsServerWithConfig(system.group, file, 'nats-password');
      const as = async (identity: Identity, pass: string) => {
        const nc = await connect({ servers: server.url, user: identity.name, pass, inboxPrefix: identity.inboxPrefix, timeout: 5_000 });
        open.push(nc);
        return nc;
      };
      const agent = await as(agentIdentity(hostId), 'pw-agent-1');
      await expectRefused('agent submit', () => agent.request(Subjects.submit, '{}', { timeout: 2_000 }));
      // allowed: nobody answers on this bare server
      await expect(agent.request(Subjects.eventsFor(randomUUID(), hostId), '{}', { timeout: 2_000 })).rejects.toThrow(/no responders/i);
      const gateway = await as(gatewayIdentity(), 'pw-gateway-1');
      await expect(gateway.request(Subjects.submit, '{}', { timeout: 2_000 })).rejects.toThrow(/no responders/i);
      await expectRefused('gateway command', () => gateway.request(Subjects.commandsFor(hostId), '{}', { timeout: 2_000 }));
      const wrong = await connect({ servers: server.url, user: 'gateway', pass: 'pw-agent-1', timeout: 5_000 }).then(
        (nc) => nc.close().then(() => 'connected'),
        (error: unknown) => String(error),
      );
      expect(wrong).toMatch(/authorization violation/i);
      await system.group.kill(server.process, 'SIGTERM');
    });

    it('password-env: deploy/nats/nats-server.conf is a valid configuration once its passwords are in the environment', () => {
      const example = join(__dirname, '../../deploy/nats/nats-server.conf');
      const variables = [...readFileSync(example, 'utf8').matchAll(/password: \$([A-Z0-9_]+)/g)].map((match) => match[1]);
      expect(variables).toContain('NATS_PASSWORD_GATEWAY');
      const env = { ...process.env, ...Object.fromEntries(variables.map((name) => [name, `pw-${name}`])) };
      const check = (environment: NodeJS.ProcessEnv) => () =>
        execFileSync(natsServerBinary(), ['-t', '-c', example], { env: environment, stdio: 'pipe' });
      expect(check(env)).not.toThrow();
      expect(check(process.env)).toThrow(/variable reference for 'NATS_PASSWORD_GATEWAY'/);
    });
  });
});
