import { RESTORATION_PHASES } from '../requests/backup-restore';
import type { RestoreRequest } from '../requests/backup-restore';
import type { OperationProtocol, Participant } from './protocol';

/**
 * A restore on a running cluster goes INIT → DOWNLOAD → TRUNCATE → IMPORT → CLEANUP (Icarus's
 * `restorationPhase` names them), each phase starting when every node finished the previous one. A node-local
 * request may run one of them alone (how an interrupted IMPORT is finished), and so may a global one with
 * `singlePhase` (INIT, DOWNLOAD, or IMPORT of what a DOWNLOAD staged). IN_PLACE (Cassandra stopped) is a
 * phase of its own on each node.
 */
export const RESTORE_PHASES = [...RESTORATION_PHASES, 'IN_PLACE'] as const;
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
    IN_PLACE: RestoreInPlaceResult;
  }
>;

export const restoreProtocol: RestoreProtocol = {
  type: 'restore',
  phases: RESTORE_PHASES,
  rules: {
    INIT: { on: 'all', cancelBefore: true, cancelDuring: true },
    DOWNLOAD: { on: 'all', cancelBefore: true, cancelDuring: true, parallel: true },
    // truncate is cluster-wide in Cassandra: one node does it for all. Once it started the data must come
    // back, so from here on a cancel neither stops a phase nor keeps the next one from starting.
    TRUNCATE: { on: 'one', cancelBefore: true, cancelDuring: false },
    IMPORT: { on: 'all', cancelBefore: false, cancelDuring: false },
    CLEANUP: { on: 'all', cancelBefore: false, cancelDuring: false },
    // IN_PLACE stops Cassandra on the node it restores: `parallel` makes it a rolling restore
    IN_PLACE: { on: 'all', cancelBefore: true, cancelDuring: true, parallel: true },
  },
  sequence(request) {
    if (request.restorationStrategyType === 'IN_PLACE') return ['IN_PLACE'];
    if (!request.globalRequest && request.restorationPhase) return [request.restorationPhase];
    // global: one phase cluster-wide when asked (the request checks which can stand alone), else all of them
    if (request.singlePhase && request.restorationPhase) return [request.restorationPhase];
    return RESTORATION_PHASES;
  },
};
