import { RefusedBackup, RemoveBackupRequest, RemoveBackupTombstoneResult, RemovedBackup } from '@daedalus/contracts';
import { mapConcurrent } from '@daedalus/common';
import { StorageBackend, StorageLocation } from '@daedalus/storage';
import { BackupSummary, listBackups } from '../../repository/backup-catalog';
import { BackupLayout, NodePath } from '../../repository/backup-layout';
import { MANIFEST_SCHEMA_VERSION } from '../../repository/manifest';
import { readText } from '../../repository/manifest-store';
import { describeLease, liveRestoreLeases, tombstonedNames, undoTombstone, writeTombstone } from '../../repository/removal-marks';
import { OperationRejectedError } from '../executor';
import { BackupNotFoundError, selectBackupsToRemove } from './select-backups';

export interface TombstoneJob {
  backend: StorageBackend;
  location: StorageLocation;
  cluster: string;
  /** undefined: a global removal (every node's commit points); else the node a node-local removal is about */
  node?: NodePath;
  request: Pick<RemoveBackupRequest, 'backupName' | 'removeOldest' | 'olderThan' | 'retention'>;
  dry: boolean;
  operationId: string;
  now: () => Date;
  signal: AbortSignal;
  progress: (fraction: number, message: string) => Promise<void>;
}

async function keys(backend: StorageBackend, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of backend.list(prefix)) if (!entry.isPrefix) found.push(entry.key);
  return found;
}

/** The nodes that have (or had) commit points for a backup: its index entries name them. */
async function indexedNodes(backend: StorageBackend, cluster: string, backupName: string): Promise<Array<{ dc: string; hostId: string }>> {
  const prefix = `${BackupLayout.nodeIndexPrefix(cluster)}${backupName}/`;
  return (await keys(backend, prefix))
    .map((key) => key.slice(prefix.length).split('/'))
    .filter((parts) => parts.length === 2 && parts[1].endsWith('.json'))
    .map(([dc, file]) => ({ dc, hostId: file.slice(0, -'.json'.length) }));
}

/**
 * The backups that still have a cluster record or an index entry (of this node, for a node-local removal): two
 * flat listings, however many tombstones the location has accumulated. Index entries go last, so a node whose
 * removal was interrupted still has one; a manifest left without one is the sweep's to delete.
 */
async function namesWithCommitPoints(backend: StorageBackend, cluster: string, node: NodePath | undefined): Promise<Set<string>> {
  const names = new Set<string>();
  const indexPrefix = BackupLayout.nodeIndexPrefix(cluster);
  for (const key of await keys(backend, indexPrefix)) {
    const [name, dc, file] = key.slice(indexPrefix.length).split('/');
    if (file && (!node || (dc === node.dc && file === `${node.hostId}.json`))) names.add(name);
  }
  if (!node) {
    const recordsPrefix = BackupLayout.clusterRecordsPrefix(cluster);
    for (const key of await keys(backend, recordsPrefix))
      if (key.endsWith('.json')) names.add(key.slice(recordsPrefix.length, -'.json'.length));
  }
  return names;
}

/** The commit points of a backup on the given nodes (global: also its cluster record and topology), record first. */
function commitPoints(cluster: string, backupName: string, nodes: Array<{ dc: string; hostId: string }>, global: boolean): string[] {
  const perNode = nodes.flatMap((n) => {
    const path = { cluster, dc: n.dc, hostId: n.hostId };
    // the index entry last: while it is there, a rerun finds the node this removal did not finish
    return [BackupLayout.manifest(path, backupName), BackupLayout.nodeIndex(path, backupName)];
  });
  return global ? [BackupLayout.clusterRecord(cluster, backupName), BackupLayout.topology(cluster, backupName), ...perNode] : perNode;
}

/**
 * Step 1 of a removal: the chosen backups stop existing for listing and restore. For each: the tombstone is
 * written first, then the restore leases are read (a restore reading the backup → the tombstone is undone and
 * the backup refused, 409), then its commit points are deleted and checked gone. Tombstoned backups whose
 * commit points an interrupted removal left are finished too. A dry run writes nothing and reports the same.
 */
export async function tombstoneBackups(job: TombstoneJob): Promise<RemoveBackupTombstoneResult> {
  const { backend, cluster, node } = job;
  const global = node === undefined;
  const tombstoned = await tombstonedNames(backend, cluster);
  const listed = await listBackups(backend, { ...job.location, path: [cluster] });
  const refused: RefusedBackup[] = [];
  // a node-local removal is for node-local backups: a cluster-wide one would be left without this node's part
  const ownLocal = (b: BackupSummary) => b.scope === 'node' && b.nodes.some((n) => n.hostId === node?.hostId);
  let catalog = listed;
  if (!global) {
    const named = job.request.backupName !== undefined ? listed.find((b) => b.name === job.request.backupName) : undefined;
    if (named && !ownLocal(named)) {
      const why =
        named.scope === 'cluster' ? 'it is a cluster-wide backup: remove it with globalRequest true' : 'this node has no part in it';
      return {
        dry: job.dry,
        removed: [],
        refused: [{ name: named.name, status: 400, reason: `backup ${named.name} is not removed: ${why}` }],
      };
    }
    catalog = listed.filter(ownLocal);
  }
  let selection;
  try {
    selection = selectBackupsToRemove(job.request, catalog, tombstoned, job.now());
  } catch (error) {
    if (error instanceof BackupNotFoundError)
      throw new OperationRejectedError(`${error.message} in ${job.location.raw} for cluster ${cluster}`);
    throw error;
  }

  // backups tombstoned earlier whose commit points are still there: an interrupted removal, finished now
  const work: Array<{ name: string; time: string; resumed: boolean }> = selection.chosen.map((b) => ({
    name: b.name,
    time: b.time,
    resumed: false,
  }));
  const unfinished = await namesWithCommitPoints(backend, cluster, node);
  for (const name of [...tombstoned].sort()) {
    if (unfinished.has(name) || name === selection.alreadyTombstoned) work.push({ name, time: '', resumed: true });
  }

  const removed: RemovedBackup[] = [];
  for (const [index, item] of work.entries()) {
    job.signal.throwIfAborted();
    const nodes = node ? [{ dc: node.dc, hostId: node.hostId }] : await indexedNodes(backend, cluster, item.name);
    const time = item.time || (await backupTime(backend, cluster, item.name, nodes)) || '';
    let wrote = false;
    if (!job.dry && !item.resumed) {
      wrote = await writeTombstone(backend, {
        schemaVersion: MANIFEST_SCHEMA_VERSION,
        kind: 'daedalus.backup-tombstone',
        backupName: item.name,
        cluster,
        scope: node ? { dc: node.dc, hostId: node.hostId } : 'cluster',
        operationId: job.operationId,
        removedAt: job.now().toISOString(),
      });
    }
    // read after the tombstone is in: a restore that wrote its lease later sees the tombstone and stops
    const restores = await liveRestoreLeases(backend, cluster, item.name, job.now().getTime());
    if (restores.length > 0) {
      if (wrote) await undoTombstone(backend, cluster, item.name);
      refused.push({
        name: item.name,
        status: 409,
        reason:
          `backup ${item.name} is being restored (${restores.map(describeLease).join('; ')}): ` +
          (item.resumed ? 'its removal resumes once the restore ends' : 'it was not removed; retry once the restore ends'),
      });
      continue;
    }
    // before the commit points: while an index entry is left, a rerun finds this backup and deletes them again
    const recordsPrefix = verificationPrefix(cluster, item.name, node);
    const records = await keys(backend, recordsPrefix);
    if (!job.dry) await deleteRecords(backend, recordsPrefix, records, job.signal);
    if (!job.dry) {
      const points = commitPoints(cluster, item.name, nodes, global);
      for (const key of points) await backend.delete(key);
      const still = (await Promise.all(points.map(async (key) => ((await backend.stat(key)) ? key : undefined)))).filter(Boolean);
      if (still.length > 0) throw new Error(`backup ${item.name}: ${still.join(', ')} still exist after being deleted`);
    }
    removed.push({ name: item.name, time, nodes, ...(item.resumed ? { resumed: true } : {}), verificationRecords: records.length });
    await job.progress((index + 1) / work.length, `${index + 1} of ${work.length} backups taken out of listing and restore`);
  }
  return { dry: job.dry, removed, refused, ...(selection.retention ? { retention: selection.retention } : {}) };
}

/** A backup's verification records: all of them for a global removal, the node's own for a node-local one. */
function verificationPrefix(cluster: string, backupName: string, node: NodePath | undefined): string {
  const backupPrefix = `${BackupLayout.verifiedPrefix(cluster)}${backupName}/`;
  return node ? `${backupPrefix}${node.dc}/${node.hostId}/` : backupPrefix;
}

/** Deletes a removed backup's verification records (listed under `prefix`) and checks none is listed any more. */
async function deleteRecords(backend: StorageBackend, prefix: string, records: string[], signal: AbortSignal): Promise<void> {
  if (records.length === 0) return;
  await mapConcurrent(records, 8, signal, (key) => backend.delete(key));
  const deleted = new Set(records);
  const left = (await keys(backend, prefix)).filter((key) => deleted.has(key));
  if (left.length > 0) throw new Error(`verification record ${left[0]} still exists after being deleted`);
}

/** When a backup started, from any of its index entries (a resumed removal no longer lists it). */
async function backupTime(
  backend: StorageBackend,
  cluster: string,
  backupName: string,
  nodes: Array<{ dc: string; hostId: string }>,
): Promise<string | undefined> {
  for (const n of nodes) {
    const key = BackupLayout.nodeIndex({ cluster, ...n }, backupName);
    if (!(await backend.stat(key))) continue;
    const doc = JSON.parse(await readText(backend, key)) as { startTime?: unknown };
    if (typeof doc.startTime === 'string') return doc.startTime;
  }
  return undefined;
}
