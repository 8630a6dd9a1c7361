/**
 * What the agent needs from its Cassandra node, in domain terms. The real implementation speaks JMX
 * (jmx-cassandra-node.ts); services depend only on this, so they are testable without a JVM.
 */
export interface NodeDescription {
  hostId: string;
  /** the node's own address as the cluster knows it (from EndpointWithPortToHostId) */
  address: string;
  clusterName: string;
  dc: string;
  rack: string;
  tokens: string[];
  releaseVersion: string;
  schemaVersion: string;
  operationMode: string;
}

export interface ClusterNodeView {
  hostId: string;
  address: string;
  dc: string;
  rack: string;
  live: boolean;
}

/** One token range of a keyspace and the host IDs of its replicas (getRangeToEndpointWithPortMap). */
export interface RangeReplicas {
  /** Cassandra's (start, end] as the tokens' strings */
  range: [string, string];
  replicas: string[];
}

/** Keyspace name → its table names. */
export type SchemaView = Record<string, string[]>;

/** Cassandra's OperationType names that `stopCompaction` accepts for the operations the agent runs. */
export type CompactionKind = 'CLEANUP' | 'SCRUB' | 'UPGRADE_SSTABLES' | 'COMPACTION';

/** The display name (`taskType`) CompactionManager's `Compactions` attribute uses for each kind. */
export const COMPACTION_TASK_TYPES: Readonly<Record<CompactionKind, string>> = {
  CLEANUP: 'Cleanup',
  SCRUB: 'Scrub',
  UPGRADE_SSTABLES: 'Upgrade sstables',
  COMPACTION: 'Compaction',
};

/** One running compaction-like task, as CompactionManager lists it. */
export interface CompactionTask {
  id: string;
  keyspace: string;
  table: string;
  taskType: string;
  completed: number;
  total: number;
  unit: string;
}

export interface ScrubOptions {
  disableSnapshot: boolean;
  skipCorrupted: boolean;
  /** Cassandra's checkData (Icarus sends the opposite, noValidate) */
  checkData: boolean;
  reinsertOverflowedTTL: boolean;
  jobs: number;
}

export interface UpgradeOptions {
  /** skip SSTables already in the current format (Icarus: !includeAllSStables) */
  excludeCurrentVersion: boolean;
  jobs: number;
}

/** importNewSSTables flags, in Cassandra's own (positive) sense. */
export interface ImportOptions {
  resetLevel: boolean;
  clearRepaired: boolean;
  verifySSTables: boolean;
  verifyTokens: boolean;
  invalidateCaches: boolean;
  extendedVerify: boolean;
  copyData: boolean;
}

export interface RebuildOptions {
  sourceDc?: string;
  keyspace?: string;
  /** Cassandra's range list, "(start,end],(start,end]" */
  tokens?: string;
  /** comma-separated addresses */
  specificSources?: string;
}

/**
 * Status of Cassandra's all-SSTable operations (cleanup, scrub, upgradesstables): 0 SUCCESSFUL, 1 ABORTED,
 * 2 UNABLE_TO_CANCEL (CompactionManager.AllSSTableOpStatus).
 */
export const SSTABLE_OP_STATUS: Readonly<Record<number, string>> = { 0: 'SUCCESSFUL', 1: 'ABORTED', 2: 'UNABLE_TO_CANCEL' };

export abstract class CassandraNode {
  abstract describe(): Promise<NodeDescription>;
  abstract operationMode(): Promise<string>;
  abstract schemaVersion(): Promise<string>;
  abstract releaseVersion(): Promise<string>;
  abstract keyspaces(): Promise<string[]>;
  /** tables of a keyspace, from the per-table MBeans the node registers */
  abstract tables(keyspace: string): Promise<string[]>;
  /** every keyspace with its tables, in two JMX calls whatever the schema's size */
  abstract schema(): Promise<SchemaView>;
  abstract clusterNodes(): Promise<ClusterNodeView[]>;
  /** Members of the token ring: host ID → address (HostIdToEndpointWithPort; a departed node is not listed). */
  abstract ringMembers(): Promise<Record<string, string>>;
  /** Keyspaces whose data is replicated across nodes (NonLocalStrategyKeyspaces). */
  abstract replicatedKeyspaces(): Promise<string[]>;
  /** Every token range of a keyspace with its replicas, by host ID. */
  abstract rangeReplicas(keyspace: string): Promise<RangeReplicas[]>;
  /**
   * The table's live directory in each data directory (the Tables MBean's `DataPaths`). A dropped and
   * re-created table leaves its old directory beside the new one: only these are read by Cassandra.
   */
  abstract tableDataPaths(keyspace: string, table: string): Promise<string[]>;
  /** The table metric LiveSSTableCount: how many SSTables Cassandra reads for the table now. */
  abstract liveSSTableCount(keyspace: string, table: string): Promise<number>;

  abstract flush(keyspace: string, tables: string[]): Promise<void>;
  /** `tables` empty means every table of the keyspace; returns Cassandra's status (see SSTABLE_OP_STATUS) */
  abstract cleanup(keyspace: string, tables: string[], jobs: number): Promise<number>;
  abstract scrub(keyspace: string, tables: string[], options: ScrubOptions): Promise<number>;
  abstract upgradeSSTables(keyspace: string, tables: string[], options: UpgradeOptions): Promise<number>;
  /** the StorageService form (refresh) */
  abstract loadNewSSTables(keyspace: string, table: string): Promise<void>;
  /** returns the source directories Cassandra could not import (empty: all imported) */
  abstract importNewSSTables(keyspace: string, table: string, directories: string[], options: ImportOptions): Promise<string[]>;
  /** cluster-wide, as Cassandra's truncate always is */
  abstract truncate(keyspace: string, table: string): Promise<void>;
  abstract rebuild(options: RebuildOptions): Promise<void>;
  abstract decommission(force: boolean): Promise<void>;
  abstract drain(): Promise<void>;

  abstract compactions(): Promise<CompactionTask[]>;
  abstract stopCompaction(kind: CompactionKind): Promise<void>;

  abstract close(): Promise<void>;
}
