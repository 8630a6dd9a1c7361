import type { RemoveBackupRequest } from '../requests/backup-restore';
import type { RetentionDecision } from '../requests/retention-policy';
import type { OperationProtocol, Participant } from './protocol';

/**
 * Removing backups is two steps so it can never break a backup that stays (docs/design.md, "Removing backups"):
 * TOMBSTONE (one node) chooses the backups, writes a tombstone for each — from then on they do not exist for
 * listing and restore — and deletes their commit points; SWEEP (every node) deletes the objects of its own
 * prefix that no remaining manifest references, unless a backup is running there, a restore reads them, or they
 * are younger than the grace window. A node-local request runs both phases on its one node.
 */
export const REMOVE_BACKUP_PHASES = ['TOMBSTONE', 'SWEEP'] as const;
export type RemoveBackupPhase = (typeof REMOVE_BACKUP_PHASES)[number];

export type RemoveBackupContext = {
  clusterName: string;
  participants: Participant[];
  /** the request was global: every node's commit points and the cluster record go (the nodes' copies say false) */
  global: boolean;
};

/** A backup the removal took out of listing and restore. */
export interface RemovedBackup {
  name: string;
  /** when the backup started (ISO-8601) */
  time: string;
  /** the nodes whose commit points were deleted */
  nodes: Array<{ hostId: string; dc: string }>;
  /** true when an earlier, interrupted removal had tombstoned it already: this run finishes it */
  resumed?: boolean;
  /** its verification records (`<cluster>/verified/<backupName>/…`) deleted (dry: that would be) */
  verificationRecords: number;
}

/** A backup the removal left in place, and why (409: a restore is reading it; 400-like: it cannot be removed so). */
export interface RefusedBackup {
  name: string;
  status: 409 | 400;
  reason: string;
}

export interface RemoveBackupTombstoneResult {
  /** a dry run: nothing was written or deleted; the lists say what a real run would do */
  dry: boolean;
  removed: RemovedBackup[];
  refused: RefusedBackup[];
  /** the retention policy's decision for every backup, when the request selected by `retention` */
  retention?: RetentionDecision[];
}

/** Objects of one kind: counts and bytes are exact; `keys` lists them up to a bound (`keysTruncated` then). */
export interface ObjectSet {
  objects: number;
  bytes: number;
  keys: Array<{ key: string; size: number }>;
  keysTruncated?: boolean;
}

/** Unreferenced objects the sweep did not delete, grouped by why. */
export interface KeptObjects extends ObjectSet {
  reason: string;
}

export interface RemoveBackupSweepResult {
  dry: boolean;
  hostId: string;
  dc: string;
  /** tombstoned backups whose manifest on this node the sweep deleted (finishing an interrupted removal) */
  finishedManifests: string[];
  /** unreferenced objects deleted (dry: that would be deleted) */
  swept: ObjectSet;
  kept: KeptObjects[];
}

export type RemoveBackupProtocol = OperationProtocol<
  RemoveBackupRequest,
  typeof REMOVE_BACKUP_PHASES,
  RemoveBackupContext,
  { TOMBSTONE: RemoveBackupTombstoneResult; SWEEP: RemoveBackupSweepResult }
>;

export const removeBackupProtocol: RemoveBackupProtocol = {
  type: 'remove-backup',
  phases: REMOVE_BACKUP_PHASES,
  rules: {
    // a cancel after the tombstones leaves the sweep to a rerun (tombstones persist): nothing is half-removed
    TOMBSTONE: { on: 'one', cancelBefore: true, cancelDuring: true },
    SWEEP: { on: 'all', cancelBefore: true, cancelDuring: true },
  },
  // a node-local removal runs the same two phases on its one node
  sequence: () => REMOVE_BACKUP_PHASES,
};
