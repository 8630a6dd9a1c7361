import { BackupRequest, NodeProgress, NodeRegistration, OperationRecord } from '@daedalus/contracts';
import { formatStorageLocation, nodeLocation, parseAnyLocation, StorageLocation } from '@daedalus/storage';
import { localCopy, OperationPlan, PhasePlan } from './operation-plan';

export const BACKUP_PHASES = { upload: 'UPLOAD', commit: 'COMMIT' } as const;

export interface BackupContext {
  backupName: string;
  snapshotTag: string;
  clusterName: string;
  participants: Array<{ hostId: string; address: string; dc: string }>;
  [key: string]: unknown;
}

/**
 * A global request may carry the full node form (protocol://bucket/cluster/dc/node, as Icarus clients send)
 * or just protocol://bucket: either way only protocol and bucket (and the file root) are kept.
 */
export function baseLocation(raw: string): StorageLocation {
  return parseAnyLocation(raw);
}

/**
 * The name that identifies one backup everywhere (snapshot on the nodes, manifests, cluster record):
 * the tag plus the start time, so a tag reused every night still names distinct backups.
 */
export function backupNameFor(snapshotTag: string | undefined, start: Date): string {
  return snapshotTag ? `${snapshotTag}-${start.getTime()}` : `autosnap-${start.getTime()}`;
}

export const backupPlan: OperationPlan = {
  phases(record: OperationRecord): PhasePlan[] {
    const upload: PhasePlan = { name: BACKUP_PHASES.upload, on: 'all', weight: 0.97 };
    // A cluster-wide backup is committed once every node's manifest is in: topology + cluster record.
    return record.request.globalRequest ? [upload, { name: BACKUP_PHASES.commit, on: 'one', weight: 0.03 }] : [{ ...upload, weight: 1 }];
  },

  context(record: OperationRecord, targets: NodeProgress[], registrations: NodeRegistration[], now: Date): BackupContext {
    const request = record.request as BackupRequest;
    const clusterName = registrations.find((r) => r.hostId === targets[0]?.hostId)?.clusterName ?? 'cluster';
    return {
      backupName: backupNameFor(request.snapshotTag, now),
      snapshotTag: request.snapshotTag ?? backupNameFor(undefined, now),
      clusterName,
      participants: targets.map((t) => ({ hostId: t.hostId, address: t.address, dc: t.dc })),
    };
  },

  nodeRequest(record: OperationRecord, node: NodeProgress): Record<string, unknown> {
    const request = localCopy(record, node);
    if (!record.request.globalRequest) return request;
    const context = record.context as BackupContext;
    const location = nodeLocation(
      baseLocation((record.request as BackupRequest).storageLocation),
      context.clusterName,
      node.dc,
      node.hostId,
    );
    return { ...request, storageLocation: formatStorageLocation(location) };
  },
};
