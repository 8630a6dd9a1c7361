/**
 * The one launcher of simulated Cassandra nodes (test/simulator/src, `daedalus.sim.CassandraSimulator`): the
 * simulator's own tests, the agent's JMX tests and every DaedalusSystem start their nodes here. It also holds the
 * typed client of the simulator's test-only MBean (`SimulatorControl`). Each node is a real JVM serving the Cassandra MBeans
 * over a real JMX RMI connector, with a real data directory layout under its home.
 *
 * Processes are started through the caller's ProcessGroup, so `group.stopAll()` in afterAll stops them by PID;
 * `cluster.close()` closes the JMX clients this harness opened.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot, JmxBridgeClient, JmxClient, JmxValue, jmxArgs } from '@daedalus/jmx';
import { freePort, ManagedProcess, ProcessGroup, waitFor } from './processes';

export type CassandraVersionFlag = '4.0' | '4.1' | '5.0';

export const STORAGE_SERVICE = 'org.apache.cassandra.db:type=StorageService';
export const SNITCH_INFO = 'org.apache.cassandra.db:type=EndpointSnitchInfo';
export const COMPACTION_MANAGER = 'org.apache.cassandra.db:type=CompactionManager';
export const SIMULATOR_BEAN = 'daedalus.sim:type=Simulator';

export function tableBean(keyspace: string, table: string): string {
  return `org.apache.cassandra.db:type=Tables,keyspace=${keyspace},table=${table}`;
}

/** The legacy alias of tableBean, which a real node registers too. */
export function legacyTableBean(keyspace: string, table: string): string {
  return `org.apache.cassandra.db:type=ColumnFamilies,keyspace=${keyspace},columnfamily=${table}`;
}

/** A table metric (a gauge: attribute `Value`), e.g. `LiveSSTableCount`. */
export function tableMetric(keyspace: string, table: string, name: string): string {
  return `org.apache.cassandra.metrics:type=Table,keyspace=${keyspace},scope=${table},name=${name}`;
}

/** The checkout's root, whether this runs from test/support (ts-jest) or dist/test/support (compiled: the demo). */
const REPO_ROOT = findRepoRoot(__dirname);
const SIM_SOURCES = join(REPO_ROOT, 'test', 'simulator', 'src');
const SIM_CLASSES = join(REPO_ROOT, 'dist', 'java', 'simulator');
const MAIN_CLASS = 'daedalus.sim.CassandraSimulator';

/** Per-node settings; anything left out comes from the cluster options. */
export interface SimulatedNodeSpec {
  dc?: string;
  rack?: string;
  /** Listen address label; default 127.0.0.<index+1>. */
  address?: string;
  /** Number of data directories (created under the node home); default 1 (`<home>/data/data`). */
  dataDirCount?: number;
  /** The data directories themselves (absolute), instead of `dataDirCount` under the node home. */
  dataDirs?: string[];
  extraArgs?: string[];
}

export interface JmxAuthOptions {
  username: string;
  password: string;
}

export interface JmxTlsOptions {
  keystore: string;
  keystorePassword: string;
  /** Trust store the JMX client uses to trust the simulator's certificate. */
  truststore: string;
  truststorePassword: string;
}

export interface SimulatedClusterOptions {
  version: CassandraVersionFlag;
  group: ProcessGroup;
  /** Everything (cluster dir, node homes) goes under here. */
  baseDir: string;
  nodes?: SimulatedNodeSpec[];
  /** Number of nodes when `nodes` is not given (all dc1/rack1). */
  count?: number;
  clusterName?: string;
  numTokens?: number;
  sstableFormat?: 'big' | 'bti';
  /** 5.0 only: `storage_compatibility_mode` (the simulator's default, as real 5.0.2's, is CASSANDRA_4: `nb` SSTables). */
  storageCompatibilityMode?: 'CASSANDRA_4' | 'UPGRADING' | 'NONE';
  uuidSSTableIds?: boolean;
  incrementalBackups?: boolean;
  autoSnapshot?: boolean;
  jmxAuth?: JmxAuthOptions;
  jmxTls?: JmxTlsOptions;
  /** Path of a schema file (JSON or CQL, see test/simulator/README.md) applied at start. */
  schemaFile?: string;
  /** Simulated throughput of compaction-like operations, MiB/s; default unthrottled. */
  compactionThroughputMiB?: number;
  commitLogSegmentKiB?: number;
  /** Cassandra's minimum snapshot TTL (60 s by default); tests lower it to see expiry. */
  snapshotMinTtlSeconds?: number;
  snapshotCleanupPeriodSeconds?: number;
  /** After how long without a heartbeat a peer counts as down; default 2000 ms here. */
  downAfterMs?: number;
  /** How often a node writes its membership heartbeat; default 300 ms here. */
  heartbeatMs?: number;
  /** Flags appended to every node's command line. */
  extraArgs?: string[];
  startTimeoutMs?: number;
}

export interface SimulatedNode {
  name: string;
  index: number;
  hostId: string;
  address: string;
  dc: string;
  rack: string;
  jmxPort: number;
  home: string;
  dataDirs: string[];
  configDir: string;
  commitLogDir: string;
  process: ManagedProcess;
  /** JMX client for this node (opened lazily by the bridge; closed by `cluster.close()`). */
  jmx: JmxClient;
  /** The test-only MBean of this node. */
  sim: SimulatorControl;
  /** Whether the JVM is still running. */
  alive(): boolean;
}

export interface SimulatedCluster {
  clusterDir: string;
  version: CassandraVersionFlag;
  nodes: SimulatedNode[];
  /**
   * Starts one more node in the cluster (index and name follow the others), e.g. a replacement:
   * `{ address: old.address, extraArgs: ['--replace-address', old.address] }` takes over the dead node's tokens
   * with a new host ID, as Cassandra's replace_address does.
   */
  addNode(spec: SimulatedNodeSpec): Promise<SimulatedNode>;
  /** Stops a node: SIGTERM drains like Cassandra's shutdown hook, SIGKILL is a crash. */
  stopNode(node: SimulatedNode, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped node again with the same home, port and identity. */
  restartNode(node: SimulatedNode): Promise<void>;
  /** Waits until every live node reports the same SchemaVersion. */
  waitForSchemaAgreement(timeoutMs?: number): Promise<string>;
  /** Closes the JMX clients (processes are stopped by the ProcessGroup). */
  close(): Promise<void>;
}

/** Compiles the simulator into dist/java/simulator when a source is newer than the compiled classes. */
export function ensureSimulatorBuilt(): string {
  const marker = join(SIM_CLASSES, 'daedalus', 'sim', 'CassandraSimulator.class');
  const sources = javaFiles(SIM_SOURCES);
  const builtAt = existsSync(marker) ? statSync(marker).mtimeMs : 0;
  if (sources.some((f) => statSync(f).mtimeMs > builtAt)) {
    mkdirSync(SIM_CLASSES, { recursive: true });
    execFileSync('javac', ['-encoding', 'UTF-8', '--release', '17', '-nowarn', '-d', SIM_CLASSES, ...sources], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 120_000,
    });
  }
  return SIM_CLASSES;
}

function javaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return javaFiles(p);
    return e.name.endsWith('.java') ? [p] : [];
  });
}

interface NodeLaunch {
  name: string;
  args: string[];
}

export async function startSimulatedCluster(options: SimulatedClusterOptions): Promise<SimulatedCluster> {
  const classes = ensureSimulatorBuilt();
  const specs: SimulatedNodeSpec[] = options.nodes ?? Array.from({ length: options.count ?? 1 }, () => ({}));
  const clusterDir = join(options.baseDir, 'cluster');
  mkdirSync(clusterDir, { recursive: true });
  let passwordFile: string | undefined;
  if (options.jmxAuth) {
    passwordFile = join(options.baseDir, 'jmxremote.password');
    writeFileSync(passwordFile, `${options.jmxAuth.username} ${options.jmxAuth.password}\n`, { mode: 0o600 });
  }
  const launches = new Map<SimulatedNode, NodeLaunch>();
  const clients: JmxBridgeClient[] = [];

  const launch = async (node: SimulatedNode, l: NodeLaunch): Promise<{ hostId: string }> => {
    const proc = options.group.start(l.name, 'java', [
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xms32m',
      '-Xmx256m',
      '-XX:+ExitOnOutOfMemoryError',
      '-cp',
      classes,
      MAIN_CLASS,
      ...l.args,
    ]);
    node.process = proc;
    const match = await options.group.waitForOutput(
      proc,
      /SIMULATOR READY hostId=([0-9a-f-]{36}) jmx=127\.0\.0\.1:(\d+) address=(\S+)/,
      // two or three JVMs start at once on a shared 2-core machine: as long as DaedalusSystem allows
      options.startTimeoutMs ?? 60_000,
    );
    return { hostId: match[1] };
  };

  const startNode = async (spec: SimulatedNodeSpec, index: number): Promise<SimulatedNode> => {
    const name = `sim${index + 1}`;
    const home = join(options.baseDir, name);
    const address = spec.address ?? `127.0.0.${index + 1}`;
    const dc = spec.dc ?? 'dc1';
    const rack = spec.rack ?? 'rack1';
    const jmxPort = await freePort();
    const dataDirCount = spec.dataDirCount ?? 1;
    const dataDirs =
      spec.dataDirs ??
      (dataDirCount === 1
        ? [join(home, 'data', 'data')]
        : Array.from({ length: dataDirCount }, (_, i) => join(home, 'data', `data${i + 1}`)));
    const args = [
      '--version',
      options.version,
      '--home',
      home,
      '--cluster-dir',
      clusterDir,
      '--cluster-name',
      options.clusterName ?? 'Test Cluster',
      '--address',
      address,
      '--jmx-port',
      String(jmxPort),
      '--dc',
      dc,
      '--rack',
      rack,
      '--num-tokens',
      String(options.numTokens ?? 16),
      '--data-dirs',
      dataDirs.join(','),
      '--sstable-format',
      options.sstableFormat ?? 'big',
      '--auto-snapshot',
      String(options.autoSnapshot ?? true),
      '--down-after-ms',
      String(options.downAfterMs ?? 2000),
      '--heartbeat-ms',
      String(options.heartbeatMs ?? 300),
    ];
    if (options.storageCompatibilityMode) args.push('--storage-compatibility-mode', options.storageCompatibilityMode);
    if (options.uuidSSTableIds) args.push('--uuid-sstable-ids');
    if (options.incrementalBackups) args.push('--incremental-backups');
    if (passwordFile) args.push('--jmx-password-file', passwordFile);
    if (options.jmxTls) {
      args.push('--jmx-ssl', '--keystore', options.jmxTls.keystore, '--keystore-password', options.jmxTls.keystorePassword);
    }
    if (options.schemaFile) args.push('--schema', options.schemaFile);
    if (options.compactionThroughputMiB !== undefined) {
      args.push('--compaction-throughput-mib', String(options.compactionThroughputMiB));
    }
    if (options.commitLogSegmentKiB !== undefined) args.push('--commitlog-segment-kib', String(options.commitLogSegmentKiB));
    if (options.snapshotMinTtlSeconds !== undefined) {
      args.push('--snapshot-min-ttl-seconds', String(options.snapshotMinTtlSeconds));
    }
    if (options.snapshotCleanupPeriodSeconds !== undefined) {
      args.push('--snapshot-cleanup-period-seconds', String(options.snapshotCleanupPeriodSeconds));
    }
    const extra = [...(options.extraArgs ?? []), ...(spec.extraArgs ?? [])];
    // the simulator adds up repeated --data-dirs: they are a node option here, so node.dataDirs stays the truth
    if (extra.includes('--data-dirs')) throw new Error('pass data directories as the node spec dataDirs, not as --data-dirs');
    args.push(...extra);

    const jmx = new JmxBridgeClient({
      host: '127.0.0.1',
      port: jmxPort,
      username: options.jmxAuth?.username,
      password: options.jmxAuth?.password,
      ssl: options.jmxTls !== undefined,
      trustStore: options.jmxTls?.truststore,
      trustStorePassword: options.jmxTls?.truststorePassword,
      defaultTimeoutMs: 60_000,
    });
    clients.push(jmx);
    const node: SimulatedNode = {
      name,
      index,
      hostId: '',
      address,
      dc,
      rack,
      jmxPort,
      home,
      dataDirs,
      configDir: join(home, 'conf'),
      commitLogDir: join(home, 'data', 'commitlog'),
      process: undefined as unknown as ManagedProcess,
      jmx,
      sim: new SimulatorControl(jmx),
      alive: () => node.process.child.exitCode === null && node.process.child.signalCode === null,
    };
    const l = { name, args };
    launches.set(node, l);
    node.hostId = (await launch(node, l)).hostId;
    return node;
  };
  const nodes = await Promise.all(specs.map((spec, index) => startNode(spec, index)));

  const cluster: SimulatedCluster = {
    clusterDir,
    version: options.version,
    nodes,
    async addNode(spec) {
      const node = await startNode(spec, nodes.length);
      nodes.push(node);
      return node;
    },
    async stopNode(node, signal = 'SIGTERM') {
      await options.group.kill(node.process, signal, 15_000);
    },
    async restartNode(node) {
      const l = launches.get(node);
      if (!l) throw new Error(`${node.name} is not part of this cluster`);
      if (node.alive()) throw new Error(`${node.name} is still running; stop it first`);
      const restarted = await launch(node, { ...l, name: `${l.name}-r${Date.now()}` });
      if (restarted.hostId !== node.hostId) {
        throw new Error(`${node.name} came back with host ID ${restarted.hostId}, not ${node.hostId}`);
      }
    },
    async waitForSchemaAgreement(timeoutMs = 30_000) {
      return waitFor(
        'schema agreement',
        async () => {
          const versions = new Set<string>();
          for (const n of nodes.filter((x) => x.alive())) {
            versions.add(String(await n.jmx.getAttribute(STORAGE_SERVICE, 'SchemaVersion')));
          }
          return versions.size === 1 ? [...versions][0] : undefined;
        },
        timeoutMs,
      );
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    },
  };
  return cluster;
}

function asString(value: JmxValue, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function asNumber(value: JmxValue, what: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`${what}: expected a number, got ${JSON.stringify(value)}`);
  return n;
}

function asStrings(value: JmxValue, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new Error(`${what}: expected a list of strings, got ${JSON.stringify(value)}`);
  }
  return value;
}

const s = jmxArgs.string;

/** Typed calls to `daedalus.sim:type=Simulator` (documented in test/simulator/README.md). */
export class SimulatorControl {
  constructor(private readonly jmx: JmxClient) {}

  private call(op: string, args: Parameters<JmxClient['invoke']>[2]): Promise<JmxValue> {
    return this.jmx.invoke(SIMULATOR_BEAN, op, args);
  }

  async createKeyspace(
    name: string,
    replication: Record<string, string> = { class: 'SimpleStrategy', replication_factor: '1' },
  ): Promise<void> {
    await this.call('createKeyspace', [s(name), s(JSON.stringify(replication))]);
  }

  async dropKeyspace(name: string): Promise<void> {
    await this.call('dropKeyspace', [s(name)]);
  }

  async createTable(keyspace: string, table: string, cql?: string): Promise<void> {
    await this.call('createTable', cql === undefined ? [s(keyspace), s(table)] : [s(keyspace), s(table), s(cql)]);
  }

  async dropTable(keyspace: string, table: string): Promise<void> {
    await this.call('dropTable', [s(keyspace), s(table)]);
  }

  /** CREATE INDEX on the table's value column: `legacy` (classic 2i, `.<index>/` SSTables) or `sai` (5.0 only). */
  async createIndex(keyspace: string, table: string, indexName: string, kind: 'legacy' | 'sai'): Promise<void> {
    await this.call('createIndex', [s(keyspace), s(table), s(indexName), s(kind)]);
  }

  /** Index files present in the live table directories: `.<index>/` files and SAI components. */
  async indexFiles(keyspace: string, table: string): Promise<string[]> {
    return asStrings(await this.call('indexFiles', [s(keyspace), s(table)]), 'indexFiles');
  }

  /** '' when every index holds exactly the keys of the live SSTables; otherwise what is stale or missing, one per line. */
  async checkIndexes(keyspace: string, table: string): Promise<string> {
    return asString(await this.call('checkIndexes', [s(keyspace), s(table)]), 'checkIndexes');
  }

  /** Rows whose keys this node replicates (by the ring and the keyspace's replication), as a real write places them. */
  async writeOwnedRows(keyspace: string, table: string, count: number, seed: number): Promise<number> {
    return asNumber(await this.call('writeOwnedRows', [s(keyspace), s(table), jmxArgs.int(count), jmxArgs.long(seed)]), 'writeOwnedRows');
  }

  async writeRows(keyspace: string, table: string, count: number, seed: number): Promise<number> {
    return asNumber(await this.call('writeRows', [s(keyspace), s(table), jmxArgs.int(count), jmxArgs.long(seed)]), 'writeRows');
  }

  async writeRow(keyspace: string, table: string, key: string, value: string): Promise<void> {
    await this.call('writeRow', [s(keyspace), s(table), s(key), s(value)]);
  }

  async readRow(keyspace: string, table: string, key: string): Promise<string | null> {
    const v = await this.call('readRow', [s(keyspace), s(table), s(key)]);
    return v === null ? null : asString(v, 'readRow');
  }

  async generateSSTables(keyspace: string, table: string, count: number, bytesEach: number): Promise<string[]> {
    const v = await this.call('generateSSTables', [s(keyspace), s(table), jmxArgs.int(count), jmxArgs.long(bytesEach)]);
    return asStrings(v, 'generateSSTables');
  }

  async compact(keyspace: string, table: string): Promise<void> {
    await this.call('compact', [s(keyspace), s(table)]);
  }

  /** SHA-256 over the merged live SSTables (memtable excluded). */
  async checksum(keyspace: string, table: string): Promise<string> {
    return asString(await this.call('checksum', [s(keyspace), s(table)]), 'checksum');
  }

  async rowCount(keyspace: string, table: string): Promise<number> {
    return asNumber(await this.call('rowCount', [s(keyspace), s(table)]), 'rowCount');
  }

  /** Paths of the live SSTables' Data.db files. */
  async liveSSTables(keyspace: string, table: string): Promise<string[]> {
    return asStrings(await this.call('liveSSTables', [s(keyspace), s(table)]), 'liveSSTables');
  }

  async memtableRows(keyspace: string, table: string): Promise<number> {
    return asNumber(await this.call('memtableRows', [s(keyspace), s(table)]), 'memtableRows');
  }

  async failNextImports(keyspace: string, table: string, n: number): Promise<void> {
    await this.call('failNextImports', [s(keyspace), s(table), jmxArgs.int(n)]);
  }

  /** The next importNewSSTables/loadNewSSTables call on the table sleeps `millis` before doing anything. */
  async delayNextImports(keyspace: string, table: string, millis: number): Promise<void> {
    await this.call('delayNextImports', [s(keyspace), s(table), jmxArgs.long(millis)]);
  }

  /** How many import/load calls on the table have entered a delay set by delayNextImports (started, maybe still waiting). */
  async delayedImports(keyspace: string, table: string): Promise<number> {
    return Number(await this.call('delayedImports', [s(keyspace), s(table)]));
  }

  /** The next n import/load calls on the table import nothing and report no failed directory. */
  async ignoreNextImports(keyspace: string, table: string, n: number): Promise<void> {
    await this.call('ignoreNextImports', [s(keyspace), s(table), jmxArgs.int(n)]);
  }

  /** How many times this node has truncated the table (survives restarts). */
  async truncationCount(keyspace: string, table: string): Promise<number> {
    return asNumber(await this.call('truncationCount', [s(keyspace), s(table)]), 'truncationCount');
  }

  async setOperationMode(mode: string): Promise<void> {
    await this.call('setOperationMode', [s(mode)]);
  }

  async setArchiveCommand(command: string): Promise<void> {
    await this.jmx.setAttribute(SIMULATOR_BEAN, 'ArchiveCommand', s(command));
  }

  async closeCommitLogSegment(): Promise<void> {
    await this.call('closeCommitLogSegment', []);
  }

  async commitLogSegments(): Promise<string[]> {
    return asStrings(await this.jmx.getAttribute(SIMULATOR_BEAN, 'CommitLogSegments'), 'CommitLogSegments');
  }

  /** `checkData=true,reinsertOverflowedTTL=false` as the last scrubbed table received them ('' before any scrub). */
  async lastScrubOptions(): Promise<string> {
    return asString(await this.jmx.getAttribute(SIMULATOR_BEAN, 'LastScrubOptions'), 'LastScrubOptions');
  }

  /** Makes the node die like a crash (no flush). */
  async crash(): Promise<void> {
    await this.call('stop', []);
  }
}
