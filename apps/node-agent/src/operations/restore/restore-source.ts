import { StorageBackend, StorageLocation } from '@daedalus/storage';
import { BackupSummary, listBackups } from '../../repository/backup-catalog';
import { BackupLayout } from '../../repository/backup-layout';
import { NodeManifest } from '../../repository/manifest';
import { readNodeManifest } from '../../repository/manifest-store';
import { OperationRejectedError } from '../executor';

export interface RestoreSource {
  backup: BackupSummary;
  manifestKey: string;
  manifest: NodeManifest;
}

const sameTokens = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');

/**
 * The backup a restore reads: the one named exactly, else the newest complete backup with that tag; and in
 * it, this node's manifest — by host ID, or (resolveHostIdFromTopology, a cluster rebuilt with new host IDs)
 * the node whose tokens equal this node's.
 */
export async function resolveRestoreSource(
  backend: StorageBackend,
  cluster: string,
  location: StorageLocation,
  snapshotTag: string,
  node: { hostId: string; tokens: string[] },
  resolveHostIdFromTopology: boolean,
): Promise<RestoreSource> {
  const backups = await listBackups(backend, { ...location, path: [cluster] });
  const exact = backups.find((b) => b.name === snapshotTag);
  const backup = exact ?? backups.find((b) => b.snapshotTag === snapshotTag && b.complete);
  if (!backup)
    throw new OperationRejectedError(`no complete backup named or tagged "${snapshotTag}" in ${location.raw} for cluster ${cluster}`);
  if (!backup.complete) {
    throw new OperationRejectedError(`backup ${backup.name} is not complete (${backup.nodesComplete} of ${backup.nodesExpected} nodes)`);
  }
  const own = backup.nodes.find((n) => n.hostId === node.hostId);
  if (own) {
    const manifestKey = BackupLayout.manifest({ cluster, dc: own.dc, hostId: own.hostId }, backup.name);
    const manifest = await readNodeManifest(backend, manifestKey);
    if (!resolveHostIdFromTopology && !sameTokens(manifest.tokens, node.tokens)) {
      throw new OperationRejectedError(
        `this node's tokens differ from those in backup ${backup.name}: the data would not match its token ranges`,
      );
    }
    return { backup, manifestKey, manifest };
  }
  if (backup.missingNodes?.some((m) => m.hostId === node.hostId)) {
    throw new OperationRejectedError(`backup ${backup.name} is partial: node ${node.hostId} was down when it was taken (skipDownNodes)`);
  }
  if (!resolveHostIdFromTopology) {
    throw new OperationRejectedError(
      `backup ${backup.name} has no data for node ${node.hostId} (set resolveHostIdFromTopology to match nodes by tokens)`,
    );
  }
  for (const candidate of backup.nodes) {
    const manifestKey = BackupLayout.manifest({ cluster, dc: candidate.dc, hostId: candidate.hostId }, backup.name);
    const manifest = await readNodeManifest(backend, manifestKey);
    if (sameTokens(manifest.tokens, node.tokens)) return { backup, manifestKey, manifest };
  }
  const partial = backup.partial
    ? ` (the backup is partial: ${(backup.missingNodes ?? []).map((m) => m.hostId).join(', ')} were down)`
    : '';
  throw new OperationRejectedError(`no node in backup ${backup.name} owned this node's tokens${partial}`);
}
