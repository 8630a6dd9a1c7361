import { RESTORATION_PHASES } from '../requests/backup-restore';
import type { RestoreRequest } from '../requests/backup-restore';
import type { OperationProtocol, Participant } from './protocol';
import type { SegmentSelection } from '../commitlog/segments';

/**
 * A restore on a running cluster goes INIT → DOWNLOAD → TRUNCATE → IMPORT → CLEANUP (Icarus's
 * `restorationPhase` names them), each phase starting when every node finished the previous one. A node-local
 * request may run one of them alone (how an interrupted IMPORT is finished), and so may a global one with
 * `singlePhase` (INIT, DOWNLOAD, or IMPORT of what a DOWNLOAD staged). IN_PLACE (Cassandra stopped) is a
 * phase of its own on each node. PLAN is a dry run's only phase (`dryRun`): INIT's checks and DOWNLOAD's
 * planning on each node, read-only. A `pointInTime` restore (Cassandra stopped) runs PITR_PLAN → IN_PLACE →
 * COMMITLOG: every node chooses its backup and commit-log segments before any node changes anything; its dry run
 * is PITR_PLAN alone.
 */
export const RESTORE_PHASES = [...RESTORATION_PHASES, 'PITR_PLAN', 'IN_PLACE', 'COMMITLOG', 'PLAN'] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

/** Phases of a global restore during which the data may already be gone (a silent node gets a grace; resume applies). */
export const RESTORE_PHASES_AFTER_TRUNCATE: readonly string[] = ['TRUNCATE', 'IMPORT', 'CLEANUP'] satisfies RestorePhase[];

/** Fixed by the coordinator when the restore starts; INIT's cross-node check adds the backup every node found. */
export type RestoreContext = {
  clusterName: string;
  participants: Participant[];
  backupName?: string;
};

/** One table a node restores: `source` as backed up, `target` the live table it goes to (`rename`). */
export interface RestoreTableScope {
  keyspace: string;
  source: string;
  target: string;
  bytes: number;
}

/** INIT: what this node found, without changing anything; later phases read it back. */
export interface RestoreInitResult {
  backupName: string;
  /** the node whose backup this node restores (itself, or by tokens with `resolveHostIdFromTopology`) */
  sourceHostId: string;
  manifestKey: string;
  /** the node's live schema version: the coordinator requires one for the whole cluster */
  schemaVersion: string;
  tables: RestoreTableScope[];
}

export interface RestoreDownloadResult {
  /** the staging directory the files are in */
  staging: string;
  files: number;
  fetchedBytes: number;
  fetchedFiles: number;
}

export interface RestoreTruncateResult {
  truncated: string[];
  /** epoch millis: CLEANUP clears only the `truncated-*` snapshots taken from then on */
  startedAt: number;
}

export interface RestoreImportResult {
  imported: string[];
}

export interface RestoreCleanupResult {
  removed: string[];
  clearedSnapshots: string[];
}

export interface RestoreInPlaceResult {
  backupName: string;
  files: number;
  removedFiles: number;
  fetchedBytes: number;
  fetchedFiles: number;
  /** where the commit log, hints and saved caches went (how many entries from each directory) */
  setAside: { folder: string; moved: Record<string, number> } | null;
  /** the cassandra.yaml rewritten with the backup's tokens (`updateCassandraYaml`) */
  cassandraYaml: string | null;
}

/** At most this many files are listed one by one in a dry run's plan (the counts and bytes cover them all). */
export const RESTORE_PLAN_LISTED_FILES = 1000;

/** One filesystem a restore would download to: free now, what it would write, what would be left. */
export interface RestorePlanFilesystem {
  /** the first directory the restore would write to on it */
  path: string;
  freeBytes: number;
  downloadBytes: number;
  /** what the restore removes there first (IN_PLACE: files of the tables not in the backup) */
  removeBytes: number;
  freeAfterBytes: number;
  /** what the restore must leave free there (`--restore-reserve-bytes`) */
  reserveBytes: number;
}

/**
 * PLAN (a dry run, `dryRun: true`): what this node's restore would do, computed without changing anything (no
 * staging directory, no snapshot, no truncate, no lease). A node whose restore would fail reports every problem
 * it found in its failure instead (INIT's checks and the free space), so a dry run that completes is one whose
 * real restore would pass them.
 */
export interface RestorePlanResult {
  backupName: string;
  sourceHostId: string;
  /** the node's live schema version (null for IN_PLACE: Cassandra is stopped) */
  schemaVersion: string | null;
  strategy: 'IMPORT' | 'HARDLINKS' | 'IN_PLACE';
  /** the tables restored (`bytes`: the backup's, `files`: how many) */
  tables: Array<RestoreTableScope & { files: number }>;
  /** `<ks>.<table>` the restore truncates (cluster-wide, one node does it) before importing */
  truncated: string[];
  /** where the files would be staged (null for IN_PLACE: they go straight into the live directories) */
  staging: string | null;
  download: {
    /** every file of this node's part of the backup */
    files: number;
    bytes: number;
    /** what would actually be fetched (files not already staged under their name) */
    fetchFiles: number;
    fetchBytes: number;
    /** the files to fetch, at most RESTORE_PLAN_LISTED_FILES of them (`listTruncated` says some were left off) */
    list: Array<{ table: string; name: string; bytes: number }>;
    listTruncated: boolean;
  };
  filesystems: RestorePlanFilesystem[];
  /** IN_PLACE: the live files it replaces */
  inPlace?: {
    /** `<ks>.<table>` whose live directories get the backup's files and lose every other SSTable file */
    replaced: string[];
    /** files removed first (not in the backup), listed at most RESTORE_PLAN_LISTED_FILES */
    removeFiles: number;
    removeBytes: number;
    removeList: string[];
    removeListTruncated: boolean;
    /** the commit log, hints and saved caches directories whose contents are set aside (moved, never deleted) */
    setAside: string[];
    /** cassandra.yaml pinned to the backup's tokens (`updateCassandraYaml`), else null */
    cassandraYaml: string | null;
  };
}

/** Why a node cannot be restored to the point: found in PITR_PLAN, before anything changed. */
export type PointInTimeProblem = {
  kind: 'cassandra-running' | 'no-backup' | 'backup-unusable' | Extract<SegmentSelection, { ok: false }>['problem'];
  message: string;
};

/**
 * PITR_PLAN: this node's plan, found without changing anything — the backup it restores and the archived
 * commit-log segments it replays from that backup's start up to the point — or why it cannot be restored. A
 * dry run stops after this phase and shows it; the coordinator fails the restore when any node has a problem.
 */
export interface RestorePitrPlanResult {
  /** the point, ISO-8601 in UTC */
  pointInTime: string;
  backup: { name: string; startedAt: string; endedAt: string; scope: 'cluster' | 'node' } | null;
  /** the segments from the backup's start to the point (ids in order), when they follow without a gap */
  segments: { count: number; firstId: number; lastId: number; bytes: number; names: string[] } | null;
  problem: PointInTimeProblem | null;
}

/** COMMITLOG: the segments downloaded and commitlog_archiving.properties written; the node replays them when started. */
export interface RestoreCommitLogResult {
  restoreDirectory: string;
  propertiesFile: string;
  previousPropertiesKeptAs: string | null;
  /** restore_point_in_time as written (GMT) */
  restorePointInTime: string;
  segments: number;
  downloadedBytes: number;
  /** where the node stands and what the operator does next (start Cassandra) */
  state: string;
  nextSteps: string;
}

/**
 * What a restore did that must never be done twice, in the record's `restoreLedger`: the tables truncated
 * (cluster-wide, once per operation) and, by host ID, the tables each node imported. Only coordinators write
 * it (compare-and-set), folding in the facts agents report in their signed events (`RestoreLedgerFact`).
 */
export interface RestoreLedger {
  truncated: string[];
  imported: Record<string, string[]>;
}

/** What a ledger fact says a node did to a table: truncated it (TRUNCATE) or imported into it (IMPORT). */
export const RESTORE_LEDGER_ENTRIES = ['truncated', 'imported'] as const;
export type RestoreLedgerEntry = (typeof RESTORE_LEDGER_ENTRIES)[number];

/** The phase in which a node may report each kind of fact. */
export const RESTORE_LEDGER_PHASE: Readonly<Record<RestoreLedgerEntry, RestorePhase>> = { truncated: 'TRUNCATE', imported: 'IMPORT' };

/**
 * One thing an agent did that must never be done twice, carried by its (signed) event on its own subject
 * (`NodeEventMessage.ledger`). The agent publishes it, and waits for JetStream to store it, before it goes on.
 */
export interface RestoreLedgerFact {
  done: RestoreLedgerEntry;
  /** `<keyspace>.<table>` (the target table) */
  table: string;
}

export const emptyRestoreLedger = (): RestoreLedger => ({ truncated: [], imported: {} });

/**
 * The ledger with `hostId`'s facts folded in, or undefined when it already had them all (a repeat changes
 * nothing). Truncations are cluster-wide; imports are the node's own.
 */
export function foldRestoreLedger(
  ledger: RestoreLedger | undefined,
  hostId: string,
  facts: readonly RestoreLedgerFact[],
): RestoreLedger | undefined {
  const truncated = [...(ledger?.truncated ?? [])];
  const imported = [...(ledger?.imported?.[hostId] ?? [])];
  let changed = false;
  for (const fact of facts) {
    const list = fact.done === 'truncated' ? truncated : imported;
    if (list.includes(fact.table)) continue;
    list.push(fact.table);
    changed = true;
  }
  if (!changed) return undefined;
  const others = ledger?.imported ?? {};
  return { truncated, imported: imported.length > 0 ? { ...others, [hostId]: imported } : others };
}

const tableList = (value: unknown): string[] => (Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : []);

/**
 * The facts a node's completed TRUNCATE or IMPORT result implies (every table it lists was truncated or
 * imported): so the ledger is whole once the phase closes, even if a coordinator handles the result before the
 * fact events that preceded it.
 */
export function ledgerFactsOfResult(phase: string | undefined, result: unknown): RestoreLedgerFact[] {
  if (typeof result !== 'object' || result === null) return [];
  if (phase === 'TRUNCATE')
    return tableList((result as Partial<RestoreTruncateResult>).truncated).map((table) => ({ done: 'truncated', table }));
  if (phase === 'IMPORT') return tableList((result as Partial<RestoreImportResult>).imported).map((table) => ({ done: 'imported', table }));
  return [];
}

export type RestoreProtocol = OperationProtocol<
  RestoreRequest,
  typeof RESTORE_PHASES,
  RestoreContext,
  {
    INIT: RestoreInitResult;
    DOWNLOAD: RestoreDownloadResult;
    TRUNCATE: RestoreTruncateResult;
    IMPORT: RestoreImportResult;
    CLEANUP: RestoreCleanupResult;
    PITR_PLAN: RestorePitrPlanResult;
    IN_PLACE: RestoreInPlaceResult;
    PLAN: RestorePlanResult;
    COMMITLOG: RestoreCommitLogResult;
  }
>;

export const restoreProtocol: RestoreProtocol = {
  type: 'restore',
  phases: RESTORE_PHASES,
  rules: {
    INIT: { on: 'all', cancelBefore: true, cancelDuring: true },
    // paused at a window's end between files: the next window's download skips the files already staged
    DOWNLOAD: { on: 'all', cancelBefore: true, cancelDuring: true, parallel: true, pausable: true },
    // truncate is cluster-wide in Cassandra: one node does it for all. Once it started the data must come
    // back, so from here on a cancel neither stops a phase nor keeps the next one from starting.
    TRUNCATE: { on: 'one', cancelBefore: true, cancelDuring: false },
    IMPORT: { on: 'all', cancelBefore: false, cancelDuring: false },
    CLEANUP: { on: 'all', cancelBefore: false, cancelDuring: false },
    PITR_PLAN: { on: 'all', cancelBefore: true, cancelDuring: true },
    // IN_PLACE works on a stopped node: `parallel` bounds how many nodes are being rewritten at once. Never paused
    // at a window's end: stopped mid-way, the node would stay down with half its data replaced until the next window
    IN_PLACE: { on: 'all', cancelBefore: true, cancelDuring: true, parallel: true },
    PLAN: { on: 'all', cancelBefore: true, cancelDuring: true },
    // the backup is in place: the commit logs must follow, or the nodes come back at the backup, not the point
    COMMITLOG: { on: 'all', cancelBefore: false, cancelDuring: false },
  },
  sequence(request) {
    // a point-in-time restore's dry run is its planning phase: the backup and segments each node would use
    if (request.pointInTime !== undefined) return request.dryRun ? ['PITR_PLAN'] : ['PITR_PLAN', 'IN_PLACE', 'COMMITLOG'];
    // a dry run only plans, on every node it names (the request refuses it with a phase alone)
    if (request.dryRun) return ['PLAN'];
    if (request.restorationStrategyType === 'IN_PLACE') return ['IN_PLACE'];
    if (!request.globalRequest && request.restorationPhase) return [request.restorationPhase];
    // global: one phase cluster-wide when asked (the request checks which can stand alone), else all of them
    if (request.singlePhase && request.restorationPhase) return [request.restorationPhase];
    return RESTORATION_PHASES;
  },
};
