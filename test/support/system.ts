/**
 * Starts a whole Daedalus system as separate processes for end-to-end tests and the demo:
 * a private nats-server, simulated Cassandra nodes (Java, real JMX; launched by test/support/simulator.ts),
 * one node agent per node, coordinators and the gateway — all on free loopback ports, all stopped by PID.
 * A node's test controls are typed: `system.simOf(node)` (a SimulatorControl).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import { Buckets, NodeRegistration } from '@daedalus/contracts';
import { bucketKeys } from '@daedalus/messaging';
import { findRepoRoot, JmxValue } from '@daedalus/jmx';
import { restartNatsServer, startNatsCluster, startNatsServer, NatsServer } from './nats';
import { freePort, makeTempDir, ManagedProcess, ProcessGroup, removeDir, testTempRoot, waitFor } from './processes';
import { SimulatedCluster, SimulatedNode, SimulatorControl, startSimulatedCluster } from './simulator';

export type { SimulatedNode } from './simulator';

/** The checkout's root, whether this runs from test/support (ts-jest) or dist/test/support (compiled). */
export const REPO_ROOT = findRepoRoot(__dirname);
const DIST = join(REPO_ROOT, 'dist');

export interface SystemOptions {
  nodes?: number;
  /** dc of each node (default: all dc1) */
  dcs?: string[];
  coordinators?: number;
  cassandraVersion?: '4.0' | '4.1' | '5.0';
  /** coordinator: fail a node silent for this long */
  nodeTimeoutMs?: number;
  /** coordinator failover time (ack wait of its consumers) */
  ackWaitMs?: number;
  /** extra flags per agent */
  agentArgs?: string[];
  /** extra flags for some agents, by node index (0-based), after `agentArgs` */
  agentArgsByNode?: Record<number, string[]>;
  /** extra flags for every simulator (e.g. --compaction-throughput-mib 4) */
  simulatorArgs?: string[];
  /** data directories of each node, by index (default: one under the node's home) */
  dataDirs?: string[][];
  /**
   * nodes (0-based indexes) whose agent the test runs itself, e.g. inside a sidecar started in `beforeServices`;
   * the system starts no agent for them but still waits for their registrations
   */
  externalAgents?: number[];
  /** extra flags for the gateway (e.g. --local-node 127.0.0.1) */
  gatewayArgs?: string[];
  /**
   * How the harness's requests reach the gateway: by default the gateway runs with `--anonymous-role admin`
   * (tests that are not about authentication send no credentials). `anonymousRole: false` leaves it out (give
   * the auth flags in gatewayArgs); `token` is sent as `Authorization: Bearer` by request().
   */
  gatewayAuth?: { anonymousRole?: 'viewer' | 'operator' | 'admin' | false; token?: string };
  /** extra flags for every coordinator (e.g. --max-attempts 3) */
  coordinatorArgs?: string[];
  /** extra environment for every service */
  env?: NodeJS.ProcessEnv;
  /** extra environment for one service, after `env` (e.g. its own NATS identity); asked each time it starts */
  serviceEnv?: (service: ServiceRole) => NodeJS.ProcessEnv;
  /** runs once the simulated nodes are up (their host IDs known) and before any service starts */
  beforeServices?: (system: DaedalusSystem) => Promise<void>;
  /** keep the temp dir (demo) */
  baseDir?: string;
  /** how NATS runs: auth/TLS flags, a JetStream cluster, and how this harness itself connects */
  nats?: NatsSetup;
  /** give the gateway and the agents a request secrets key of this system's own (default true; coordinators never get one) */
  requestSecretsKey?: boolean;
  /**
   * Coordinators and agents share a signing key (`--command-signing-key-file`), as production sets one: on by
   * default; false runs them without, so only the structural checks apply.
   */
  signing?: boolean;
  /**
   * Give every coordinator and agent a /metrics listener on a free port (`--metrics-port`); `metricsUrl` names
   * them, the gateway's is on its API port. Off by default: services then start as in production without one.
   */
  metrics?: boolean;
}

export interface NatsSetup {
  /** extra nats-server flags, e.g. --user/--pass or --tls... */
  serverArgs?: string[];
  /** servers in one JetStream cluster (default 1, a plain server) */
  clusterSize?: number;
  /** connection options for the harness's own client (the credentials the services get through `env`) */
  client?: Partial<ConnectionOptions>;
}

/** Which service a process is, for `serviceEnv`. */
export type ServiceRole = { kind: 'gateway' } | { kind: 'coordinator'; index: number } | { kind: 'agent'; node: SimulatedNode };

type PerProcessArgs =
  | 'externalAgents'
  | 'agentArgs'
  | 'agentArgsByNode'
  | 'simulatorArgs'
  | 'dataDirs'
  | 'gatewayArgs'
  | 'gatewayAuth'
  | 'coordinatorArgs'
  | 'nats'
  | 'requestSecretsKey'
  | 'signing';
type ServiceHooks = 'serviceEnv' | 'beforeServices';

export class DaedalusSystem {
  readonly nodes: SimulatedNode[] = [];
  readonly agents: ManagedProcess[] = [];
  readonly coordinators: ManagedProcess[] = [];
  gateway!: ManagedProcess;
  gatewayUrl = '';
  nats!: NatsServer;
  /** every server of the NATS cluster (just `nats` on a single server) */
  natsServers: NatsServer[] = [];
  /** the simulated Cassandra cluster (test/support/simulator.ts) */
  cluster?: SimulatedCluster;
  private natsClient?: NatsConnection;
  /** how many times NATS was set up anew (reconfigureNats) */
  private generation = 0;

  private constructor(
    readonly group: ProcessGroup,
    readonly baseDir: string,
    private readonly options: Required<Omit<SystemOptions, 'baseDir' | 'dcs' | 'env' | PerProcessArgs | ServiceHooks>> &
      Pick<SystemOptions, 'dcs' | 'env' | PerProcessArgs | ServiceHooks>,
    private readonly ownsDir: boolean,
  ) {}

  static async start(options: SystemOptions = {}): Promise<DaedalusSystem> {
    const baseDir = options.baseDir ?? makeTempDir('system');
    mkdirSync(join(baseDir, 'logs'), { recursive: true });
    const group = new ProcessGroup(join(baseDir, 'logs'));
    const system = new DaedalusSystem(
      group,
      baseDir,
      {
        nodes: options.nodes ?? 3,
        coordinators: options.coordinators ?? 2,
        cassandraVersion: options.cassandraVersion ?? '4.1',
        nodeTimeoutMs: options.nodeTimeoutMs ?? 10_000,
        ackWaitMs: options.ackWaitMs ?? 4_000,
        dcs: options.dcs,
        env: options.env,
        serviceEnv: options.serviceEnv,
        beforeServices: options.beforeServices,
        externalAgents: options.externalAgents,
        agentArgs: options.agentArgs,
        agentArgsByNode: options.agentArgsByNode,
        simulatorArgs: options.simulatorArgs,
        dataDirs: options.dataDirs,
        gatewayArgs: options.gatewayArgs,
        gatewayAuth: options.gatewayAuth,
        coordinatorArgs: options.coordinatorArgs,
        nats: options.nats,
        requestSecretsKey: options.requestSecretsKey,
        signing: options.signing,
        metrics: options.metrics ?? false,
      },
      options.baseDir === undefined,
    );
    try {
      await system.boot();
    } catch (error) {
      await system.stop();
      throw error;
    }
    return system;
  }

  private serviceEnv(service: ServiceRole): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...(this.signingKeyFile ? { DAEDALUS_COMMAND_SIGNING_KEY_FILE: this.signingKeyFile } : {}),
      ...this.options.env,
      ...this.options.serviceEnv?.(service),
      NATS_SERVERS: this.natsServers.map((server) => server.url).join(','),
      NO_COLOR: '1',
    };
  }

  /**
   * The key file that seals secrets in requests: one per system, generated at its first use, given to the gateway
   * and the agents only (coordinators work without it). Undefined when the system runs without one.
   */
  get requestSecretsKeyFile(): string | undefined {
    if (this.options.requestSecretsKey === false) return undefined;
    const file = join(this.baseDir, 'request-secrets.key');
    if (!this.keyWritten) writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    this.keyWritten = true;
    return file;
  }

  private keyWritten = false;

  /** The environment the system gives a service (for a test that starts one itself, e.g. a sidecar). */
  environmentOf(service: ServiceRole): NodeJS.ProcessEnv {
    return service.kind === 'coordinator' ? this.serviceEnv(service) : this.keyHolderEnv(service);
  }

  /** The environment of a gateway or agent: the services' environment and this system's request secrets key. */
  private keyHolderEnv(service: ServiceRole): NodeJS.ProcessEnv {
    const env = this.serviceEnv(service);
    const file = this.requestSecretsKeyFile;
    const configured = env.DAEDALUS_REQUEST_SECRETS_KEY !== undefined || env.DAEDALUS_REQUEST_SECRETS_KEY_FILE !== undefined;
    return file && !configured ? { ...env, DAEDALUS_REQUEST_SECRETS_KEY_FILE: file } : env;
  }

  /** The key file coordinators and agents share (only they read it: the gateway has no such setting). */
  get signingKeyFile(): string | undefined {
    if (this.options.signing === false) return undefined;
    const file = join(this.baseDir, 'signing.key');
    if (!existsSync(file)) writeFileSync(file, randomBytes(48).toString('base64'), { mode: 0o600 });
    return file;
  }

  private async boot(): Promise<void> {
    const setup = this.options.nats ?? {};
    this.natsServers =
      (setup.clusterSize ?? 1) > 1
        ? await startNatsCluster(this.group, this.baseDir, setup.clusterSize ?? 1, setup.serverArgs, setup.client)
        : [await startNatsServer(this.group, join(this.baseDir, 'nats'), 'nats', undefined, setup.serverArgs)];
    this.nats = this.natsServers[0];
    this.cluster = await startSimulatedCluster({
      version: this.options.cassandraVersion,
      group: this.group,
      baseDir: this.baseDir,
      nodes: Array.from({ length: this.options.nodes }, (_, i) => ({
        dc: this.options.dcs?.[i] ?? 'dc1',
        dataDirs: this.options.dataDirs?.[i],
      })),
      clusterName: 'daedalus-test',
      numTokens: 4,
      // the simulator's own membership timing, as in production-like runs (the simulator tests use faster)
      heartbeatMs: 500,
      downAfterMs: 3000,
      extraArgs: this.options.simulatorArgs,
    });
    this.nodes.push(...this.cluster.nodes);
    await this.options.beforeServices?.(this);
    await Promise.all(this.ownAgentNodes().map((node) => this.startAgent(node)));
    for (let i = 0; i < this.options.coordinators; i++) await this.startCoordinator(i);
    await this.startGateway();
    await this.waitForRegistrations(this.nodes.length);
  }

  /** The nodes whose agents this system runs (all but `externalAgents`). */
  private ownAgentNodes(): SimulatedNode[] {
    return this.nodes.filter((node) => !(this.options.externalAgents ?? []).includes(node.index));
  }

  private simulated(): SimulatedCluster {
    if (!this.cluster) throw new Error('the system has no simulated cluster yet');
    return this.cluster;
  }

  /** Stops a simulated node (SIGTERM: a clean shutdown; SIGKILL: a crash). Its agent keeps running. */
  async stopSimulator(node: SimulatedNode, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.simulated().stopNode(node, signal);
  }

  /** Starts a stopped simulated node again with the same home, port and identity. */
  async restartSimulator(node: SimulatedNode): Promise<void> {
    await this.simulated().restartNode(node);
  }

  /**
   * Replaces a stopped node as Cassandra's replace_address does: a new node at the same address takes over its
   * tokens with a new host ID; its agent is started too. The old node's agent must be stopped first.
   */
  async replaceNode(old: SimulatedNode): Promise<SimulatedNode> {
    if (old.alive()) throw new Error(`${old.name} is still running; stop it first`);
    const node = await this.simulated().addNode({
      dc: old.dc,
      rack: old.rack,
      address: old.address,
      extraArgs: ['--replace-address', old.address],
    });
    this.nodes.push(node);
    await this.startAgent(node);
    return node;
  }

  /** Stops a node's agent (SIGTERM); its registration stays in KV and ages. */
  async stopAgent(node: SimulatedNode): Promise<void> {
    const agent = this.agents[node.index];
    if (agent) await this.group.kill(agent, 'SIGTERM');
  }

  /**
   * Tests and the demo keep file:// stores and import sources in their temporary directories or the system's
   * own directory: the agents allow those (a test that passes the flag itself decides).
   */
  private rootArgs(): string[] {
    const given = [...(this.options.agentArgs ?? []), ...Object.values(this.options.agentArgsByNode ?? {}).flat()];
    const roots = [...new Set([testTempRoot(), this.baseDir])].join(',');
    return ['--file-store-roots', '--import-roots'].flatMap((flag) => (given.includes(flag) ? [] : [flag, roots]));
  }

  agentArgsFor(node: SimulatedNode, extraArgs: string[] = []): string[] {
    return [
      join(DIST, 'apps/node-agent/src/main.js'),
      '--jmx-service',
      `127.0.0.1:${node.jmxPort}`,
      '--cassandra-config-dir',
      node.configDir,
      '--heartbeat-interval-ms',
      '1000',
      '--ack-wait-ms',
      '10000',
      ...this.rootArgs(),
      ...(this.options.agentArgs ?? []),
      ...(this.options.agentArgsByNode?.[node.index] ?? []),
      ...extraArgs,
    ];
  }

  /** Starts a node's agent; `extraArgs` are added for this start only (e.g. a restarted agent given another key). */
  async startAgent(node: SimulatedNode, extraArgs: string[] = []): Promise<ManagedProcess> {
    const metrics = await this.metricsArgs(`agent-${node.index + 1}`);
    const proc = this.group.start(`agent-${node.index + 1}`, process.execPath, this.agentArgsFor(node, [...metrics, ...extraArgs]), {
      env: this.keyHolderEnv({ kind: 'agent', node }),
    });
    await this.group.waitForOutput(proc, /node agent ready/, 60_000);
    this.agents[node.index] = proc;
    return proc;
  }

  async startCoordinator(index: number): Promise<ManagedProcess> {
    const proc = this.group.start(
      `coordinator-${index + 1}`,
      process.execPath,
      [
        join(DIST, 'apps/coordinator/src/main.js'),
        '--node-timeout-ms',
        String(this.options.nodeTimeoutMs),
        '--ack-wait-ms',
        String(this.options.ackWaitMs),
        '--sweep-interval-ms',
        '1000',
        ...(this.options.coordinatorArgs ?? []),
        ...(await this.metricsArgs(`coordinator-${index + 1}`)),
      ],
      { env: this.serviceEnv({ kind: 'coordinator', index }) },
    );
    await this.group.waitForOutput(proc, /coordinator ready/, 30_000);
    this.coordinators[index] = proc;
    return proc;
  }

  /** The metrics ports given (service name → port), kept across restarts of a service. */
  private readonly metricsPorts = new Map<string, number>();

  private async metricsArgs(service: string): Promise<string[]> {
    if (!this.options.metrics) return [];
    const port = this.metricsPorts.get(service) ?? (await freePort());
    this.metricsPorts.set(service, port);
    return ['--metrics-port', String(port)];
  }

  /**
   * Where a service's /metrics is: `gateway` (its API port), `coordinator-1`…, `agent-1`… (by node index + 1);
   * the latter only with `metrics: true`.
   */
  metricsUrl(service: string): string {
    if (service === 'gateway') return `${this.gatewayUrl}/metrics`;
    const port = this.metricsPorts.get(service);
    if (port === undefined) throw new Error(`${service} has no metrics listener (start the system with metrics: true)`);
    return `http://127.0.0.1:${port}/metrics`;
  }

  /** Stops every Daedalus service and nats-server, then starts them again on the same ports and stores. */
  async restartServices(): Promise<void> {
    if (this.natsServers.length > 1) throw new Error('restartServices restarts a single nats-server, not a cluster');
    await this.stopServices();
    this.nats = await startNatsServer(
      this.group,
      join(this.baseDir, 'nats'),
      'nats-restarted',
      this.nats.port,
      this.options.nats?.serverArgs,
    );
    this.natsServers = [this.nats];
    await this.startServices();
  }

  /**
   * Stops nats-servers (SIGKILL: a crash; SIGTERM: a clean shutdown) and starts them again on the same ports,
   * stores and routes, while every Daedalus service keeps running. With `downMs` they stay down that long first.
   */
  async bounceNats(servers: NatsServer[], signal: NodeJS.Signals, downMs = 0): Promise<void> {
    await Promise.all(servers.map((server) => this.group.kill(server.process, signal)));
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await Promise.all(servers.map((server) => restartNatsServer(this.group, server)));
  }

  /** The server whose name (`n1`...) the cluster reports as leader of a stream (KV bucket `b`: stream `KV_b`). */
  async natsLeaderOf(stream: string): Promise<NatsServer> {
    return waitFor(
      `a leader of ${stream}`,
      async () => {
        this.natsClient ??= await this.connectNats();
        const leader = (await (await jetstreamManager(this.natsClient)).streams.info(stream)).cluster?.leader;
        return this.natsServers.find((server) => server.args.includes(leader ?? '-'));
      },
      30_000,
    );
  }

  /**
   * Moves the whole system to NATS set up anew — other auth, TLS, a JetStream cluster — with fresh stores: stops
   * every service and nats-server, starts the new NATS, then every service again with `env` in place of the
   * environment given at start (the simulated nodes keep running). The harness's own client follows `setup.client`.
   */
  async reconfigureNats(setup: NatsSetup, env: NodeJS.ProcessEnv = {}): Promise<void> {
    await this.stopServices();
    this.generation += 1;
    this.options.nats = setup;
    this.options.env = env;
    this.natsServers =
      (setup.clusterSize ?? 1) > 1
        ? await startNatsCluster(
            this.group,
            join(this.baseDir, `nats-g${this.generation}`),
            setup.clusterSize ?? 1,
            setup.serverArgs,
            setup.client,
          )
        : [
            await startNatsServer(
              this.group,
              join(this.baseDir, `nats-g${this.generation}`),
              `nats-g${this.generation}`,
              undefined,
              setup.serverArgs,
            ),
          ];
    this.nats = this.natsServers[0];
    await this.startServices();
  }

  private async stopServices(): Promise<void> {
    await Promise.all([this.gateway, ...this.coordinators, ...this.agents].map((p) => this.group.kill(p, 'SIGTERM')));
    await Promise.all(this.natsServers.map((server) => this.group.kill(server.process, 'SIGTERM')));
    await this.natsClient?.close().catch(() => undefined);
    this.natsClient = undefined;
  }

  private async startServices(): Promise<void> {
    await Promise.all(this.ownAgentNodes().map((node) => this.startAgent(node)));
    for (let i = 0; i < this.coordinators.length; i++) await this.startCoordinator(i);
    await this.startGateway(Number(new URL(this.gatewayUrl).port));
    await this.waitForRegistrations(this.nodes.length);
  }

  private async startGateway(fixedPort?: number): Promise<void> {
    const port = fixedPort ?? (await freePort());
    const anonymousRole = this.options.gatewayAuth?.anonymousRole ?? 'admin';
    const gatewayArgs = this.options.gatewayArgs ?? [];
    this.gateway = this.group.start(
      'gateway',
      process.execPath,
      [
        join(DIST, 'apps/gateway/src/main.js'),
        '--http-port',
        String(port),
        '--node-timeout-ms',
        String(this.options.nodeTimeoutMs),
        ...(anonymousRole ? ['--anonymous-role', anonymousRole] : []),
        ...gatewayArgs,
      ],
      { env: this.keyHolderEnv({ kind: 'gateway' }) },
    );
    await this.group.waitForOutput(this.gateway, /gateway listening/, 30_000);
    this.gatewayUrl = `${gatewayArgs.includes('--tls-cert') ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  /** What the agents registered (KV bucket daedalus-nodes), read straight from NATS. */
  async registrations(): Promise<NodeRegistration[]> {
    this.natsClient ??= await this.connectNats();
    const kv = await new Kvm(this.natsClient).open(Buckets.nodes);
    const out: NodeRegistration[] = [];
    for (const key of await bucketKeys(await jetstreamManager(this.natsClient), Buckets.nodes)) {
      const entry = await kv.get(key);
      if (entry && entry.operation === 'PUT' && entry.length > 0) out.push(entry.json<NodeRegistration>());
    }
    return out;
  }

  /** /topology lists the whole ring as soon as one agent answers, so count the registrations themselves. */
  async waitForRegistrations(count: number): Promise<void> {
    await waitFor(`${count} registered nodes`, async () => (await this.registrations()).length >= count, 30_000);
  }

  /** Until every agent's registration lists these tables, the gateway refuses requests naming them. */
  async waitForSchema(keyspace: string, tables: string[]): Promise<void> {
    await waitFor(
      `${keyspace} (${tables.join(', ')}) in every registration`,
      async () => {
        const registrations = await this.registrations();
        return (
          registrations.length >= this.nodes.length &&
          registrations.every((r) => tables.every((t) => r.keyspaces?.[keyspace]?.includes(t) ?? false))
        );
      },
      30_000,
    );
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    const token = this.options.gatewayAuth?.token;
    const init: RequestInit = { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const response = await fetch(`${this.gatewayUrl}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  get(path: string): Promise<HttpResult> {
    return this.request('GET', path);
  }

  post(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpResult> {
    return this.request('POST', path, body, headers);
  }

  /** Polls an operation until `done` says so (default: a terminal state), failing after `timeoutMs`. */
  async waitForOperation(
    id: string,
    done: (op: OperationView) => boolean = (op) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(op.state),
    timeoutMs = 60_000,
  ): Promise<OperationView> {
    return waitFor(
      `operation ${id}`,
      async () => {
        const { status, body } = await this.get(`/operations/${id}`);
        return status === 200 && done(body as OperationView) ? (body as OperationView) : undefined;
      },
      timeoutMs,
      150,
    );
  }

  /** The test-only MBean of one node (daedalus.sim:type=Simulator), typed. */
  simOf(node: SimulatedNode): SimulatorControl {
    return node.sim;
  }

  /** ObjectNames of one node matching a pattern (e.g. the table MBeans of a keyspace). */
  async mbeanNames(node: SimulatedNode, pattern: string): Promise<string[]> {
    return node.jmx.queryNames(pattern, { timeoutMs: 30_000 });
  }

  /** Reads a Cassandra MBean attribute of one node (e.g. StorageService OperationMode) to check an effect. */
  async attribute(node: SimulatedNode, objectName: string, attribute: string): Promise<JmxValue> {
    return node.jmx.getAttribute(objectName, attribute, { timeoutMs: 30_000 });
  }

  /** Creates a keyspace and tables (schema is cluster-wide) and writes `rows` rows per table on every node. */
  async createTables(keyspace: string, tables: string[], rows = 0): Promise<void> {
    const [first] = this.nodes;
    await first.sim.createKeyspace(keyspace, { class: 'NetworkTopologyStrategy', dc1: '3' });
    for (const table of tables) await first.sim.createTable(keyspace, table);
    await this.waitForSchema(keyspace, tables);
    if (rows === 0) return;
    for (const node of this.nodes) {
      for (const table of tables) await node.sim.writeRows(keyspace, table, rows, node.index + 1);
    }
  }

  /** A client of the harness's own, with the setup's credentials and every server of the cluster. */
  async connectNats(options: Partial<ConnectionOptions> = {}): Promise<NatsConnection> {
    return connect({ servers: this.natsServers.map((server) => server.url), timeout: 10_000, ...this.options.nats?.client, ...options });
  }

  async stop(): Promise<void> {
    await this.cluster?.close().catch(() => undefined);
    await this.natsClient?.close().catch(() => undefined);
    await this.group.stopAll();
    if (this.ownsDir && !process.env.DAEDALUS_KEEP_TEST_DIRS) removeDir(this.baseDir);
  }
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface OperationView {
  id: string;
  type: string;
  state: string;
  progress: number;
  errors: Array<{ source: string; message: string }>;
  nodes: Array<{ hostId: string; address: string; state: string; progress: number; message?: string }>;
  [field: string]: unknown;
}
