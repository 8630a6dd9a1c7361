import type { BackupRequest } from '../requests/backup-restore';
import type { OperationProtocol, Participant } from './protocol';

/**
 * A backup uploads on every node; a cluster-wide one is then committed by one node, which checks every
 * participant's manifest and writes the topology and the cluster record (the global backup's commit point).
 * A cluster-consistent backup (`consistency`) first takes every node's snapshot in a phase of its own
 * (SNAPSHOT), while the coordinator holds the application paused; UPLOAD then uploads that snapshot.
 */
export const BACKUP_PHASES = ['SNAPSHOT', 'UPLOAD', 'COMMIT'] as const;
export type BackupPhase = (typeof BACKUP_PHASES)[number];

/** Fixed by the coordinator when the backup starts. */
export type BackupContext = {
  /** `<snapshotTag>-<start millis>`: the snapshot's tag on every node and the backup's name in storage */
  backupName: string;
  snapshotTag: string;
  clusterName: string;
  participants: Participant[];
  /** the down nodes a backup with `skipDownNodes` goes without (every token range kept a replica): a partial backup */
  missingNodes?: Participant[];
};

export interface BackupTotals {
  files: number;
  bytes: number;
  /** what this backup uploaded (the rest was already in the store) */
  uploadedFiles: number;
  uploadedBytes: number;
  /** bytes those uploads put in the store (compressed or sealed); absent in records written before it existed */
  uploadedStoredBytes?: number;
}

/** SNAPSHOT on one node: the snapshot taken (kept on the node for UPLOAD), and when. */
export interface BackupSnapshotResult {
  backupName: string;
  /** just before the snapshot was asked of Cassandra, and once it answered (the agent's clock) */
  startedAt: string;
  takenAt: string;
  /** false when the snapshot already existed (a repeated command) */
  fresh: boolean;
}

/** UPLOAD on one node: its manifest (the node's commit point) is written. */
export interface BackupUploadResult {
  backupName: string;
  /** the manifest's key, relative to the bucket */
  manifest: string;
  totals: BackupTotals;
}

/** COMMIT: the cluster record written (the agent's storage document adds its schema version and kind). */
export interface BackupCommitResult {
  backupName: string;
  snapshotTag: string;
  operationId: string;
  cluster: string;
  startTime: string;
  endTime: string;
  nodes: Array<{ hostId: string; dc: string; rack: string; address: string; manifest: string; totals: BackupTotals }>;
  totals: BackupTotals;
  /** true when nodes that were down were left out (`skipDownNodes`); they are named in `missingNodes` */
  partial?: boolean;
  missingNodes?: Participant[];
}

export type BackupProtocol = OperationProtocol<
  BackupRequest,
  typeof BACKUP_PHASES,
  BackupContext,
  { SNAPSHOT: BackupSnapshotResult; UPLOAD: BackupUploadResult; COMMIT: BackupCommitResult }
>;

export const backupProtocol: BackupProtocol = {
  type: 'backup',
  phases: BACKUP_PHASES,
  rules: {
    SNAPSHOT: { on: 'all', cancelBefore: true, cancelDuring: true },
    // a consistent backup snapshots every node at once (SNAPSHOT takes no `parallel`); the upload takes turns
    // paused at a window's end between objects: the next window's upload reuses the objects already stored
    UPLOAD: { on: 'all', cancelBefore: true, cancelDuring: true, parallel: true, pausable: true },
    COMMIT: { on: 'one', cancelBefore: true, cancelDuring: true },
  },
  sequence: (request) => {
    if (!request.globalRequest) return ['UPLOAD'];
    return request.consistency ? BACKUP_PHASES : ['UPLOAD', 'COMMIT'];
  },
};
