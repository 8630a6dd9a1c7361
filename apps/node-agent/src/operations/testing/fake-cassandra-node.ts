import {
  CassandraNode,
  ClusterNodeView,
  CompactionKind,
  CompactionTask,
  ImportOptions,
  NodeDescription,
  RebuildOptions,
  SchemaView,
  ScrubOptions,
  UpgradeOptions,
} from '../../cassandra/cassandra-node';

export interface RecordedCall {
  method: string;
  args: unknown[];
}

/**
 * An in-memory CassandraNode for unit tests: a schema, a mode, a compaction list the test controls, and a
 * record of every domain call. A long operation can be held open with `hold(method)` and finished later.
 */
export class FakeCassandraNode extends CassandraNode {
  readonly calls: RecordedCall[] = [];
  schemaView: SchemaView = { system: ['local', 'peers'], ks1: ['t1', 't2'] };
  mode = 'NORMAL';
  releaseText = '4.1.7';
  schemaVersionText = 'schema-1';
  /** how many times the whole schema was read */
  schemaReads = 0;
  running: CompactionTask[] = [];
  status = 0;
  failedImports: string[] = [];
  /** what importNewSSTables / loadNewSSTables do besides being recorded (e.g. move files into a live directory) */
  loadEffect?: (keyspace: string, table: string, directories: string[]) => Promise<void>;
  /** DataPaths by "keyspace.table"; absent tables have none */
  dataPaths: Record<string, string[]> = {};
  /** LiveSSTableCount by "keyspace.table" (0 when absent) */
  liveCounts: Record<string, number> = {};
  /** the next call of this method rejects with it */
  readonly failures = new Map<string, Error>();
  private readonly held = new Map<string, { promise: Promise<void>; release: () => void }>();

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

  private failIfAsked(method: string): void {
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      throw failure;
    }
  }

  private async record(method: string, ...args: unknown[]): Promise<void> {
    this.calls.push({ method, args });
    this.failIfAsked(method);
    await this.held.get(method)?.promise;
  }

  async describe(): Promise<NodeDescription> {
    this.failIfAsked('describe');
    return {
      hostId: '00000000-0000-4000-8000-000000000001',
      address: '127.0.0.1',
      clusterName: 'test',
      dc: 'dc1',
      rack: 'rack1',
      tokens: ['1'],
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
    return [...(this.schemaView[keyspace] ?? [])];
  }

  async schema(): Promise<SchemaView> {
    this.schemaReads++;
    return structuredClone(this.schemaView);
  }

  async clusterNodes(): Promise<ClusterNodeView[]> {
    return [{ hostId: '00000000-0000-4000-8000-000000000001', address: '127.0.0.1', dc: 'dc1', rack: 'rack1', live: true }];
  }

  async tableDataPaths(keyspace: string, table: string): Promise<string[]> {
    this.failIfAsked('tableDataPaths');
    const paths = this.dataPaths[`${keyspace}.${table}`];
    if (!paths) throw new Error(`no MBean for ${keyspace}.${table}`);
    return [...paths];
  }

  async liveSSTableCount(keyspace: string, table: string): Promise<number> {
    return this.liveCounts[`${keyspace}.${table}`] ?? 0;
  }

  async flush(keyspace: string, tables: string[]): Promise<void> {
    await this.record('flush', keyspace, tables);
  }

  async cleanup(keyspace: string, tables: string[], jobs: number): Promise<number> {
    await this.record('cleanup', keyspace, tables, jobs);
    return this.status;
  }

  async scrub(keyspace: string, tables: string[], options: ScrubOptions): Promise<number> {
    await this.record('scrub', keyspace, tables, options);
    return this.status;
  }

  async upgradeSSTables(keyspace: string, tables: string[], options: UpgradeOptions): Promise<number> {
    await this.record('upgradeSSTables', keyspace, tables, options);
    return this.status;
  }

  async loadNewSSTables(keyspace: string, table: string): Promise<void> {
    await this.record('loadNewSSTables', keyspace, table);
    await this.loadEffect?.(keyspace, table, []);
  }

  async importNewSSTables(keyspace: string, table: string, directories: string[], options: ImportOptions): Promise<string[]> {
    await this.record('importNewSSTables', keyspace, table, directories, options);
    if (this.failedImports.length === 0) await this.loadEffect?.(keyspace, table, directories);
    return this.failedImports;
  }

  async truncate(keyspace: string, table: string): Promise<void> {
    await this.record('truncate', keyspace, table);
  }

  async rebuild(options: RebuildOptions): Promise<void> {
    await this.record('rebuild', options);
  }

  async decommission(force: boolean): Promise<void> {
    await this.record('decommission', force);
    this.mode = 'DECOMMISSIONED';
  }

  async drain(): Promise<void> {
    await this.record('drain');
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
}
