/**
 * An in-process CassandraNode for unit tests, held to the same contract suite as JmxCassandraNode on the
 * simulator (test/node-agent/cassandra-node-contract.ts): the same answers, the same refusals (a JmxError of the
 * kind and message the real node gives), the same effects on the data directories.
 *
 * Its model: a schema (keyspaces, tables with ids), a memtable row count and the live SSTables of each table, a
 * mode, a ring of nodes. SSTables are files in the table's directories (`<data dir>/<ks>/<table>-<id>/`) when
 * those directories exist: pass `dataDirectories` (a temporary directory) and create tables with `createTable`
 * to get them; without, the default directories are virtual and only the counts change. Imports always read
 * the directories they are given.
 *
 * Test controls beside the CassandraNode methods mirror the simulator's test MBean (`createKeyspace`,
 * `createTable`, `dropTable`, `writeRows`, `failNextImports`, `ignoreNextImports`), plus: a record of every
 * domain call (`calls`, `callsOf`), `hold(method)` / `release(method)` to keep a long operation open,
 * `failures` (the next call of a method — or of `"<method> <ks>.<table>"` — rejects with the error given),
 * and direct overrides (`dataPaths`, `liveCounts`, `failedImports`, `loadEffect`, `running`, `status`, `mode`).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { JmxError } from '@daedalus/jmx';
import { Clock, SystemClock } from '@daedalus/common';
import { FileSystem, localFileSystem } from '../../adapters/filesystem';
import {
  CassandraNode,
  ClusterNodeView,
  CompactionKind,
  CompactionTask,
  ImportOptions,
  NodeDescription,
  RangeReplicas,
  RebuildOptions,
  SchemaView,
  ScrubOptions,
  UpgradeOptions,
} from '../cassandra-node';
import { CassandraDataWalker, DataFile, snapshotDirectory } from '../data-directories';
import { MBeans } from '../mbeans';

export interface RecordedCall {
  method: string;
  args: unknown[];
}

/**
 * What importNewSSTables (the staged `directories`) and loadNewSSTables (no directories: the table's own) do to
 * the files; returns the directories that failed. The default is what Cassandra does.
 */
export type LoadEffect = (keyspace: string, table: string, directories: string[], options?: ImportOptions) => Promise<string[] | void>;

export interface FakeCassandraNodeOptions {
  /** cassandra.yaml's data_file_directories; default a virtual /var/lib/cassandra/data (no files are written) */
  dataDirectories?: string[];
  /** default 4.1.7 */
  releaseVersion?: string;
  hostId?: string;
  /** the other nodes of the ring; default two live peers in dc1 */
  peers?: ClusterNodeView[];
  fs?: FileSystem;
  clock?: Clock;
}

interface FakeSSTable {
  /** the directory holding it */
  dir: string;
  /** "<version>-<id>-<format>" */
  name: string;
  components: string[];
}

interface FakeTable {
  id: string;
  live: FakeSSTable[];
  memtableRows: number;
  nextDir: number;
  /** the highest SSTable generation the table has used */
  maxGeneration: number;
  failImports: number;
  ignoreImports: number;
}

const SELF = '00000000-0000-4000-8000-000000000001';
const DEFAULT_PEERS: ClusterNodeView[] = [
  { hostId: '00000000-0000-4000-8000-000000000002', address: '127.0.0.2', dc: 'dc1', rack: 'rack1', live: true },
  { hostId: '00000000-0000-4000-8000-000000000003', address: '127.0.0.3', dc: 'dc1', rack: 'rack1', live: true },
];
/** the components a flush writes (Cassandra's `big` format, a compressed table) */
const FLUSH_COMPONENTS = [
  'Data.db',
  'Index.db',
  'Summary.db',
  'Filter.db',
  'Statistics.db',
  'CompressionInfo.db',
  'Digest.crc32',
  'TOC.txt',
];

/** The version a flush writes: `nb` on 4.x and on 5.0 in its default storage_compatibility_mode CASSANDRA_4. */
const SSTABLE_VERSION = 'nb';

/** The refusal the node's MBean throws, as the JMX bridge hands it over. */
function refused(message: string, javaClass = 'java.lang.IllegalArgumentException'): JmxError {
  return new JmxError('remote', message, javaClass);
}

/** No MBean under that name: what reading a table MBean of a table that does not exist gives. */
function noMBean(objectName: string): JmxError {
  return new JmxError('not-found', objectName, 'javax.management.InstanceNotFoundException');
}

export class FakeCassandraNode extends CassandraNode {
  readonly calls: RecordedCall[] = [];
  schemaView: SchemaView = { system: ['local', 'peers'], ks1: ['t1', 't2'] };
  mode = 'NORMAL';
  releaseText: string;
  schemaVersionText = 'schema-1';
  /** how many times the whole schema was read */
  schemaReads = 0;
  running: CompactionTask[] = [];
  /** what cleanup, scrub and upgradesstables return (see SSTABLE_OP_STATUS) */
  status = 0;
  /** when set, importNewSSTables changes nothing and reports these directories as failed */
  failedImports: string[] = [];
  /** what imports and loads do to the files (undefined: nothing at all, and no failure reported) */
  loadEffect?: LoadEffect = (keyspace, table, directories, options) => this.cassandraLoad(keyspace, table, directories, options);
  /** DataPaths by "keyspace.table", overriding the table's own directories */
  dataPaths: Record<string, string[]> = {};
  /** LiveSSTableCount by "keyspace.table"; kept by flushes, loads and truncates, and a test may set it */
  liveCounts: Record<string, number> = {};
  /** the next call of this method (or of "<method> <keyspace>.<table>") rejects with it */
  readonly failures = new Map<string, Error>();
  readonly peers: ClusterNodeView[];
  /** token ranges by keyspace, overriding the default ring (see rangeReplicas) */
  ranges: Record<string, RangeReplicas[]> = {};
  readonly dataDirectories: string[];
  private readonly hostId: string;
  private readonly fs: FileSystem;
  private readonly walker: CassandraDataWalker;
  private readonly clock: Clock;
  private readonly held = new Map<string, { promise: Promise<void>; release: () => void }>();
  private readonly tableStates = new Map<string, FakeTable>();
  /** how many times each "keyspace.table" was dropped: a table created again gets a new id */
  private readonly incarnations = new Map<string, number>();
  private readonly realDirectories: boolean;

  constructor(options: FakeCassandraNodeOptions = {}) {
    super();
    this.dataDirectories = options.dataDirectories ?? ['/var/lib/cassandra/data'];
    this.realDirectories = options.dataDirectories !== undefined;
    this.releaseText = options.releaseVersion ?? '4.1.7';
    this.hostId = options.hostId ?? SELF;
    this.peers = options.peers ?? DEFAULT_PEERS.map((p) => ({ ...p }));
    this.fs = options.fs ?? localFileSystem;
    this.walker = new CassandraDataWalker(this.fs);
    this.clock = options.clock ?? new SystemClock();
  }

  // ------------------------------------------------------------------ test controls

  /** Calls of `method` wait until `release(method)`. */
  hold(method: string): void {
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.held.set(method, { promise, release });
  }

  release(method: string): void {
    this.held.get(method)?.release();
    this.held.delete(method);
  }

  callsOf(method: string): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  async createKeyspace(name: string): Promise<void> {
    if (this.schemaView[name]) throw refused(`Keyspace ${name} already exists`, 'org.apache.cassandra.exceptions.AlreadyExistsException');
    this.schemaView[name] = [];
    this.schemaChanged();
  }

  async createTable(keyspace: string, table: string): Promise<void> {
    const tables = this.schemaView[keyspace];
    if (!tables) throw refused(`Keyspace ${keyspace} does not exist`, 'org.apache.cassandra.exceptions.InvalidRequestException');
    if (tables.includes(table))
      throw refused(`Table ${keyspace}.${table} already exists`, 'org.apache.cassandra.exceptions.AlreadyExistsException');
    tables.push(table);
    this.schemaChanged();
    if (this.realDirectories) for (const dir of this.pathsOf(keyspace, table)) await this.fs.makeDirectory(dir);
  }

  /** DROP TABLE: snapshots it (`dropped-<millis>-<table>`), deletes its SSTables; its directory stays. */
  async dropTable(keyspace: string, table: string): Promise<void> {
    const state = this.table(keyspace, table);
    await this.flushTable(keyspace, table);
    await this.snapshotAndDelete(keyspace, table, state, `dropped-${this.clock.now().getTime()}-${table}`);
    this.schemaView[keyspace] = this.schemaView[keyspace].filter((t) => t !== table);
    this.tableStates.delete(`${keyspace}.${table}`);
    delete this.liveCounts[`${keyspace}.${table}`];
    this.incarnations.set(`${keyspace}.${table}`, (this.incarnations.get(`${keyspace}.${table}`) ?? 0) + 1);
    this.schemaChanged();
  }

  /** Writes `count` rows into the table's memtable (a flush makes an SSTable of them). */
  async writeRows(keyspace: string, table: string, count: number, _seed = 0): Promise<number> {
    if (['DRAINED', 'DRAINING', 'DECOMMISSIONED', 'STARTING'].includes(this.mode)) {
      throw refused(`Node is ${this.mode}: it accepts no writes (native transport is stopped)`, 'java.lang.IllegalStateException');
    }
    this.table(keyspace, table).memtableRows += count;
    return count;
  }

  /** The next n imports/loads of the table fail every directory, as a corrupt SSTable would make them. */
  failNextImports(keyspace: string, table: string, n: number): void {
    this.table(keyspace, table).failImports = n;
  }

  /** The next n imports/loads of the table import nothing and report no failure (real 5.0 when it accepts none). */
  ignoreNextImports(keyspace: string, table: string, n: number): void {
    this.table(keyspace, table).ignoreImports = n;
  }

  // ------------------------------------------------------------------ CassandraNode

  async describe(): Promise<NodeDescription> {
    this.failIfAsked('describe');
    return {
      hostId: this.hostId,
      address: '127.0.0.1',
      clusterName: 'test',
      dc: 'dc1',
      rack: 'rack1',
      tokens: ['100'], // the end of the range it owns in rangeReplicas
      releaseVersion: this.releaseText,
      schemaVersion: this.schemaVersionText,
      operationMode: this.mode,
    };
  }

  async operationMode(): Promise<string> {
    this.failIfAsked('operationMode');
    return this.mode;
  }

  async schemaVersion(): Promise<string> {
    return this.schemaVersionText;
  }

  async releaseVersion(): Promise<string> {
    return this.releaseText;
  }

  async keyspaces(): Promise<string[]> {
    return Object.keys(this.schemaView);
  }

  async tables(keyspace: string): Promise<string[]> {
    return [...(this.schemaView[keyspace] ?? [])].sort();
  }

  async schema(): Promise<SchemaView> {
    this.schemaReads++;
    return Object.fromEntries(Object.entries(this.schemaView).map(([keyspace, tables]) => [keyspace, [...tables].sort()]));
  }

  async clusterNodes(): Promise<ClusterNodeView[]> {
    const self: ClusterNodeView = { hostId: this.hostId, address: '127.0.0.1', dc: 'dc1', rack: 'rack1', live: true };
    return [self, ...this.peers].map((n) => ({ ...n }));
  }

  async ringMembers(): Promise<Record<string, string>> {
    this.failIfAsked('ringMembers');
    return Object.fromEntries((await this.clusterNodes()).map((n) => [n.hostId, n.address]));
  }

  async replicatedKeyspaces(): Promise<string[]> {
    return Object.keys(this.schemaView).filter((k) => !['system', 'system_schema'].includes(k));
  }

  /**
   * Ranges by a test's `ranges` (keyspace → ranges), else one range per node, replicated on that node and the next
   * (RF 2, like SimpleStrategy over a ring in the order clusterNodes lists it).
   */
  async rangeReplicas(keyspace: string): Promise<RangeReplicas[]> {
    this.failIfAsked('rangeReplicas', keyspace);
    if (!(keyspace in this.schemaView)) throw refused(`Unknown keyspace ${keyspace}`, 'java.lang.IllegalArgumentException');
    if (this.ranges[keyspace]) return this.ranges[keyspace].map((r) => ({ range: [...r.range], replicas: [...r.replicas] }));
    const ring = (await this.clusterNodes()).map((n) => n.hostId);
    const token = (i: number) => String((((i % ring.length) + ring.length) % ring.length) * 100 + 100);
    // node i owns (token i-1, token i]; the first range wraps around from the last token
    return ring.map((hostId, i) => ({
      range: [token(i - 1), token(i)],
      replicas: ring.length > 1 ? [hostId, ring[(i + 1) % ring.length]] : [hostId],
    }));
  }

  async tableDataPaths(keyspace: string, table: string): Promise<string[]> {
    this.failIfAsked('tableDataPaths', keyspace, table);
    if (!this.exists(keyspace, table)) throw noMBean(MBeans.table(keyspace, table));
    return this.pathsOf(keyspace, table);
  }

  async liveSSTableCount(keyspace: string, table: string): Promise<number> {
    this.failIfAsked('liveSSTableCount', keyspace, table);
    if (!this.exists(keyspace, table)) throw noMBean(MBeans.tableMetric(keyspace, table, 'LiveSSTableCount'));
    return this.liveCounts[`${keyspace}.${table}`] ?? this.table(keyspace, table).live.length;
  }

  async flush(keyspace: string, tables: string[]): Promise<void> {
    await this.record('flush', keyspace, tables);
    for (const table of this.tablesOf(keyspace, tables)) await this.flushTable(keyspace, table);
  }

  async cleanup(keyspace: string, tables: string[], jobs: number): Promise<number> {
    this.tablesOf(keyspace, tables);
    await this.record('cleanup', keyspace, tables, jobs);
    return this.status;
  }

  async scrub(keyspace: string, tables: string[], options: ScrubOptions): Promise<number> {
    this.tablesOf(keyspace, tables);
    await this.record('scrub', keyspace, tables, options);
    return this.status;
  }

  async upgradeSSTables(keyspace: string, tables: string[], options: UpgradeOptions): Promise<number> {
    this.tablesOf(keyspace, tables);
    await this.record('upgradeSSTables', keyspace, tables, options);
    return this.status;
  }

  async loadNewSSTables(keyspace: string, table: string): Promise<void> {
    this.storeOf(keyspace, table);
    await this.record('loadNewSSTables', keyspace, table);
    await this.loadEffect?.(keyspace, table, []);
  }

  async importNewSSTables(keyspace: string, table: string, directories: string[], options: ImportOptions): Promise<string[]> {
    if (!this.exists(keyspace, table)) throw noMBean(MBeans.table(keyspace, table));
    await this.record('importNewSSTables', keyspace, table, directories, options);
    if (this.failedImports.length > 0) return [...this.failedImports];
    return (await this.loadEffect?.(keyspace, table, directories, options)) ?? [];
  }

  async truncate(keyspace: string, table: string): Promise<void> {
    if (!this.schemaView[keyspace]) throw refused(`Keyspace ${keyspace} does not exist`);
    if (!this.exists(keyspace, table)) throw refused(`Unknown keyspace/cf pair (${keyspace}.${table})`);
    await this.record('truncate', keyspace, table);
    const state = this.table(keyspace, table);
    // auto_snapshot: what the memtable holds is flushed first, so the snapshot keeps it
    await this.flushTable(keyspace, table);
    await this.snapshotAndDelete(keyspace, table, state, `truncated-${this.clock.now().getTime()}-${table}`);
    this.liveCounts[`${keyspace}.${table}`] = 0;
  }

  async rebuild(options: RebuildOptions): Promise<void> {
    if (options.keyspace !== undefined && !this.schemaView[options.keyspace]) throw refused(`Unknown keyspace ${options.keyspace}`);
    const dcs = [...new Set((await this.clusterNodes()).map((n) => n.dc))].sort();
    if (options.sourceDc !== undefined && !dcs.includes(options.sourceDc)) {
      throw refused(`Provided datacenter '${options.sourceDc}' is not a valid datacenter, available datacenters are: ${dcs.join(',')}`);
    }
    await this.record('rebuild', options);
  }

  async decommission(force: boolean): Promise<void> {
    if (this.mode === 'DECOMMISSIONED')
      throw refused('local node is not a member of the token ring yet', 'java.lang.UnsupportedOperationException');
    if (this.peers.length === 0) {
      throw refused('no other normal nodes in the ring; decommission would be pointless', 'java.lang.UnsupportedOperationException');
    }
    if (this.mode !== 'NORMAL') {
      throw refused(`Node in ${this.mode} state; wait for status to become normal or restart`, 'java.lang.UnsupportedOperationException');
    }
    await this.record('decommission', force);
    this.mode = 'DECOMMISSIONED';
  }

  async drain(): Promise<void> {
    await this.record('drain');
    if (this.mode === 'DRAINED') return; // Cassandra only logs "Cannot drain node (did it already happen?)"
    for (const [keyspace, tables] of Object.entries(this.schemaView)) for (const table of tables) await this.flushTable(keyspace, table);
    this.mode = 'DRAINED';
  }

  async compactions(): Promise<CompactionTask[]> {
    return this.running.map((t) => ({ ...t }));
  }

  async stopCompaction(kind: CompactionKind): Promise<void> {
    await this.record('stopCompaction', kind);
  }

  async close(): Promise<void> {
    // nothing to release
  }

  // ------------------------------------------------------------------ the model

  private failIfAsked(method: string, keyspace?: string, table?: string): void {
    for (const key of keyspace === undefined ? [method] : [`${method} ${keyspace}.${table}`, method]) {
      const failure = this.failures.get(key);
      if (failure) {
        this.failures.delete(key);
        throw failure;
      }
    }
  }

  private async record(method: string, ...args: unknown[]): Promise<void> {
    this.calls.push({ method, args });
    this.failIfAsked(method);
    await this.held.get(method)?.promise;
  }

  private schemaChanged(): void {
    const number = Number(/(\d+)$/.exec(this.schemaVersionText)?.[1] ?? '1');
    this.schemaVersionText = `schema-${number + 1}`;
  }

  private exists(keyspace: string, table: string): boolean {
    return this.schemaView[keyspace]?.includes(table) ?? false;
  }

  private table(keyspace: string, table: string): FakeTable {
    const key = `${keyspace}.${table}`;
    let state = this.tableStates.get(key);
    if (!state) {
      if (!this.exists(keyspace, table)) throw refused(`Unknown keyspace/cf pair (${keyspace}.${table})`);
      const id = createHash('md5')
        .update(`${key}#${this.incarnations.get(key) ?? 0}`)
        .digest('hex');
      state = { id, live: [], memtableRows: 0, nextDir: 0, maxGeneration: 0, failImports: 0, ignoreImports: 0 };
      this.tableStates.set(key, state);
    }
    return state;
  }

  /** As StorageService resolves one table (loadNewSSTables). */
  private storeOf(keyspace: string, table: string): FakeTable {
    if (!this.schemaView[keyspace]) throw refused(`Unknown keyspace ${keyspace}`);
    return this.table(keyspace, table);
  }

  /** As StorageService resolves a keyspace's tables (flush, cleanup, scrub, upgradesstables): all when none are named. */
  private tablesOf(keyspace: string, tables: string[]): string[] {
    const known = this.schemaView[keyspace];
    if (!known) throw refused(`Keyspace ${keyspace} does not exist`);
    for (const table of tables) if (!known.includes(table)) throw refused(`Unknown table '${table}' in keyspace '${keyspace}'`);
    return tables.length > 0 ? tables : [...known];
  }

  private pathsOf(keyspace: string, table: string): string[] {
    const override = this.dataPaths[`${keyspace}.${table}`];
    if (override) return [...override];
    const { id } = this.table(keyspace, table);
    return this.dataDirectories.map((dir) => join(dir, keyspace, `${table}-${id}`));
  }

  private async onDisk(dir: string): Promise<boolean> {
    return (await this.fs.stat(dir))?.isDirectory ?? false;
  }

  private setLive(keyspace: string, table: string, state: FakeTable, live: FakeSSTable[]): void {
    state.live = live;
    this.liveCounts[`${keyspace}.${table}`] = live.length;
  }

  /** The directory of the table's next new SSTable: Cassandra spreads them over the data directories. */
  private nextDir(keyspace: string, table: string, state: FakeTable): string {
    const dirs = this.pathsOf(keyspace, table);
    return dirs[state.nextDir++ % dirs.length];
  }

  /** A generation no SSTable of the table has had, in the model or on disk. */
  private async newGeneration(keyspace: string, table: string, state: FakeTable): Promise<number> {
    const onDisk = await this.walker.usedGenerations(this.pathsOf(keyspace, table));
    state.maxGeneration = Math.max(state.maxGeneration, ...onDisk) + 1;
    return state.maxGeneration;
  }

  private async flushTable(keyspace: string, table: string): Promise<void> {
    const state = this.table(keyspace, table);
    if (state.memtableRows === 0) return;
    const dir = this.nextDir(keyspace, table, state);
    const name = `${SSTABLE_VERSION}-${await this.newGeneration(keyspace, table, state)}-big`;
    if (await this.onDisk(dir)) {
      const data = Buffer.from(
        `DSIMDATA ${keyspace}.${table} ${name} ${state.memtableRows} rows ${this.clock.now().toISOString()}\n`.repeat(20),
      );
      const content: Record<string, string | Buffer> = {
        'Data.db': data,
        'Digest.crc32': String(crc32(data)),
        'TOC.txt': `${FLUSH_COMPONENTS.join('\n')}\n`,
      };
      // TOC last: an SSTable is complete once its TOC is there
      for (const component of FLUSH_COMPONENTS)
        await this.fs.write(join(dir, `${name}-${component}`), content[component] ?? `${component} of ${name}\n`);
    }
    state.memtableRows = 0;
    this.setLive(keyspace, table, state, [...state.live, { dir, name, components: [...FLUSH_COMPONENTS] }]);
  }

  /** A snapshot of the live SSTables (hard links, and a manifest), then the SSTables are gone. */
  private async snapshotAndDelete(keyspace: string, table: string, state: FakeTable, tag: string): Promise<void> {
    for (const sstable of state.live) {
      if (!(await this.onDisk(sstable.dir))) continue;
      const target = snapshotDirectory(sstable.dir, tag);
      await this.fs.makeDirectory(target);
      for (const component of sstable.components) {
        await this.fs.link(join(sstable.dir, `${sstable.name}-${component}`), join(target, `${sstable.name}-${component}`));
      }
    }
    const metaDir = this.nextDir(keyspace, table, state);
    if (await this.onDisk(metaDir)) {
      await this.fs.makeDirectory(snapshotDirectory(metaDir, tag));
      await this.fs.write(
        join(snapshotDirectory(metaDir, tag), 'manifest.json'),
        JSON.stringify({ files: state.live.map((s) => `${s.name}-Data.db`) }),
      );
    }
    for (const sstable of state.live)
      for (const component of sstable.components) await this.fs.remove(join(sstable.dir, `${sstable.name}-${component}`));
    this.setLive(keyspace, table, state, []);
  }

  /** What `big`/`bti` versions this release reads: `big` from `ma` up to its own, `bti` only from 5.0. */
  private readable(version: string, format: string): boolean {
    const is50 = Number(this.releaseText.split('.')[0]) >= 5;
    if (format === 'bti') return is50;
    return version >= 'ma' && version <= (is50 ? 'oa' : 'nb');
  }

  /** Why Cassandra would refuse to open or verify the SSTable, or undefined. */
  private async problemWith(dir: string, sstable: string, files: Map<string, DataFile>, verify: boolean): Promise<string | undefined> {
    const toc = await this.fs.readTextIfExists(join(dir, `${sstable}-TOC.txt`));
    if (toc === undefined) return `Missing component TOC.txt for ${sstable}`;
    for (const component of toc.split('\n').filter(Boolean))
      if (!files.has(`${sstable}-${component}`)) return `Missing component ${component} for ${sstable}`;
    const [version, , format] = sstable.split('-');
    if (!this.readable(version, format))
      return `SSTable ${sstable} has version ${version}-${format} which Cassandra ${this.releaseText} cannot read`;
    if (verify) {
      const digest = ((await this.fs.readTextIfExists(join(dir, `${sstable}-Digest.crc32`))) ?? '').trim();
      const chunks: Buffer[] = [];
      for await (const chunk of this.fs.openRead(join(dir, `${sstable}-Data.db`))) chunks.push(chunk as Buffer);
      const actual = String(crc32(Buffer.concat(chunks)));
      if (digest !== actual)
        return `Corrupted SSTable : ${join(dir, `${sstable}-Data.db`)} (digest mismatch: Digest.crc32 says ${digest}, Data.db has ${actual})`;
    }
    return undefined;
  }

  /**
   * Cassandra's SSTableImporter: each source directory must exist; 5.0 takes SSTables only from a directory
   * shaped `<keyspace>/<table>`; with verification, a directory holding a bad SSTable fails and is left as it
   * was; the others' SSTables move (or with copyData, are copied) into the table under new generations. No
   * directories: loadNewSSTables, which takes what was dropped into the table's own directories.
   */
  private async cassandraLoad(keyspace: string, table: string, directories: string[], options?: ImportOptions): Promise<string[]> {
    const state = this.table(keyspace, table);
    const loading = directories.length === 0;
    const sources = loading ? this.pathsOf(keyspace, table) : directories;
    if (!loading) {
      for (const dir of sources)
        if (!(await this.onDisk(dir))) throw refused(`Directory ${dir} does not exist`, 'java.lang.RuntimeException');
    }
    if (state.ignoreImports > 0) {
      state.ignoreImports--;
      return [];
    }
    if (state.failImports > 0) {
      state.failImports--;
      if (loading) throw refused('Failed verifying sstable (injected failure)', 'java.lang.RuntimeException');
      return [...directories];
    }
    const is50 = Number(this.releaseText.split('.')[0]) >= 5;
    const live = new Set(state.live.map((s) => join(s.dir, s.name)));
    const found = new Map<string, { dir: string; sstable: string; files: Map<string, DataFile> }[]>();
    for (const dir of sources) {
      const shaped = dir.split('/').filter(Boolean).slice(-2).join('/') === `${keyspace}/${table}`;
      const candidates: { dir: string; sstable: string; files: Map<string, DataFile> }[] = [];
      if (loading || !is50 || shaped) {
        const files = new Map((await this.walker.components(dir)).map((f) => [f.name, f]));
        for (const file of files.values()) {
          if (file.component?.component !== 'Data.db' || live.has(join(dir, file.component.sstable))) continue;
          candidates.push({ dir, sstable: file.component.sstable, files });
        }
      }
      found.set(dir, candidates);
    }
    const failed: string[] = [];
    if ([...found.values()].every((c) => c.length === 0)) return failed; // "No new SSTables were found": not a failure
    for (const [dir, candidates] of found) {
      for (const c of candidates) {
        const problem = await this.problemWith(c.dir, c.sstable, c.files, !loading && (options?.verifySSTables ?? false));
        if (!problem) continue;
        if (loading) throw refused(`Failed importing sstables: ${problem}`, 'java.lang.RuntimeException');
        failed.push(dir);
        break;
      }
    }
    const imported: FakeSSTable[] = [];
    for (const [dir, candidates] of found) {
      if (failed.includes(dir)) continue;
      for (const c of candidates) {
        const components = [...c.files.values()].filter((f) => f.component?.sstable === c.sstable).map((f) => f.component?.component ?? '');
        const [version, , format] = c.sstable.split('-');
        const targetDir = loading ? c.dir : this.nextDir(keyspace, table, state);
        const name = `${version}-${await this.newGeneration(keyspace, table, state)}-${format}`;
        const order = [...components.filter((x) => x !== 'TOC.txt'), ...components.filter((x) => x === 'TOC.txt')];
        for (const component of order) {
          const from = join(c.dir, `${c.sstable}-${component}`);
          const to = join(targetDir, `${name}-${component}`);
          if (!loading && options?.copyData) await this.fs.copy(from, to);
          else await this.fs.rename(from, to);
        }
        imported.push({ dir: targetDir, name, components });
      }
    }
    this.setLive(keyspace, table, state, [...state.live, ...imported]);
    return failed;
  }
}
