import { KeptObjects, ObjectSet, RemoveBackupSweepResult } from '@daedalus/contracts';
import { mapConcurrent } from '@daedalus/common';
import { ListEntry, StorageBackend } from '@daedalus/storage';
import { backupNameOf, BackupLayout, NodePath } from '../../repository/backup-layout';
import { readNodeManifest } from '../../repository/manifest-store';
import {
  describeLease,
  liveBackupLeases,
  liveRestoreLeases,
  newLease,
  SWEEP_LOCK_MARGIN_MS,
  SWEEP_LOCK_MS,
  tombstonedNames,
  writeLease,
} from '../../repository/removal-marks';

export interface SweepJob {
  backend: StorageBackend;
  node: NodePath;
  dry: boolean;
  operationId: string;
  /** a dry run: the backups TOMBSTONE would have tombstoned (a real run finds their tombstones) */
  plannedRemovals: readonly string[];
  /** unreferenced objects younger than this are kept: they may belong to a backup not committed yet */
  graceMs: number;
  concurrency: number;
  nowMs: () => number;
  signal: AbortSignal;
  progress: (fraction: number, message: string) => Promise<void>;
}

/** Keys listed in a result per set; counts and bytes stay exact beyond it. */
export const MAX_LISTED_KEYS = 50;
const DELETE_BATCH = 100;

class ObjectTally {
  readonly set: ObjectSet = { objects: 0, bytes: 0, keys: [] };

  add(key: string, size: number): void {
    this.set.objects += 1;
    this.set.bytes += size;
    if (this.set.keys.length < MAX_LISTED_KEYS) this.set.keys.push({ key, size });
    else this.set.keysTruncated = true;
  }
}

class KeptTally {
  private readonly byReason = new Map<string, ObjectTally>();

  add(reason: string, key: string, size: number): void {
    const tally = this.byReason.get(reason) ?? new ObjectTally();
    this.byReason.set(reason, tally);
    tally.add(key, size);
  }

  result(): KeptObjects[] {
    return [...this.byReason].map(([reason, tally]) => ({ reason, ...tally.set }));
  }
}

/** The SSTable objects of a node: `data/` and each encryption key's `encrypted/<keyId>/data/`. */
async function* dataObjects(backend: StorageBackend, node: NodePath): AsyncGenerator<ListEntry> {
  for await (const entry of backend.list(BackupLayout.dataPrefix(node))) if (!entry.isPrefix) yield entry;
  const encrypted = `${BackupLayout.nodePrefix(node)}encrypted/`;
  for await (const entry of backend.list(encrypted)) {
    if (!entry.isPrefix && /^[^/]+\/data\//.test(entry.key.slice(encrypted.length))) yield entry;
  }
}

/**
 * Step 2 of a removal, on one node's prefix: objects no remaining manifest references are deleted — unless a
 * backup is running on the node (its lease, read after this sweep's lock is written), or they are younger than
 * the grace window. Manifests of tombstoned backups are deleted first (finishing an interrupted removal), except
 * those a restore still reads, which keep referencing their objects. Deletes go in batches, each only while the
 * sweep's own lock is valid; the lock is removed at the end. A dry run writes and deletes nothing.
 */
export async function sweepNode(job: SweepJob): Promise<RemoveBackupSweepResult> {
  const { backend, node } = job;
  const lockKey = BackupLayout.sweepLock(node, job.operationId);
  const lockedAt = job.nowMs();
  if (!job.dry)
    await writeLease(backend, lockKey, newLease('sweep', { operationId: job.operationId, holder: node.hostId }, lockedAt, SWEEP_LOCK_MS));
  try {
    return await sweepUnderLock(job, lockedAt + SWEEP_LOCK_MS - SWEEP_LOCK_MARGIN_MS);
  } finally {
    if (!job.dry) await backend.delete(lockKey);
  }
}

async function sweepUnderLock(job: SweepJob, deleteUntilMs: number): Promise<RemoveBackupSweepResult> {
  const { backend, node } = job;
  // read after the lock is written: a backup that writes its lease later sees the lock and waits
  const runningBackups = await liveBackupLeases(backend, node, job.nowMs());
  const tombstoned = new Set([...(await tombstonedNames(backend, node.cluster)), ...job.plannedRemovals]);

  const referenced = new Set<string>();
  const finishedManifests: string[] = [];
  for await (const entry of backend.list(BackupLayout.manifestsPrefix(node))) {
    if (entry.isPrefix || !entry.key.endsWith('.json')) continue;
    const name = backupNameOf(entry.key) ?? '';
    const removable = tombstoned.has(name) && (await liveRestoreLeases(backend, node.cluster, name, job.nowMs())).length === 0;
    if (removable) {
      // a dry run's planned removals are TOMBSTONE's to delete: a real sweep finds their manifests gone
      if (!job.plannedRemovals.includes(name)) finishedManifests.push(name);
      continue;
    }
    // a manifest that cannot be read fails the sweep: what it references is unknown, so nothing may go
    for (const table of (await readNodeManifest(backend, entry.key)).tables) for (const file of table.files) referenced.add(file.key);
  }
  if (!job.dry) {
    for (const name of finishedManifests) await backend.delete(BackupLayout.manifest(node, name));
  }

  const swept = new ObjectTally();
  const kept = new KeptTally();
  const toDelete: Array<{ key: string; size: number }> = [];
  const backupReason =
    runningBackups.length > 0 ? `a backup is running on this node (lease ${runningBackups.map(describeLease).join('; ')})` : undefined;
  const graceReason = `younger than the grace window (${Math.round(job.graceMs / 1000)} s): may belong to a backup not yet committed`;
  for await (const entry of dataObjects(backend, node)) {
    if (referenced.has(entry.key)) continue;
    const size = entry.size ?? (await backend.stat(entry.key))?.size ?? 0;
    const modified = entry.lastModified ?? (await backend.stat(entry.key))?.lastModified;
    if (backupReason) kept.add(backupReason, entry.key, size);
    else if (!modified) kept.add('its age is unknown (the store gave no modification time)', entry.key, size);
    else if (job.nowMs() - modified.getTime() < job.graceMs) kept.add(graceReason, entry.key, size);
    else toDelete.push({ key: entry.key, size });
  }

  const lockRanOut = 'the sweep lock neared its expiry before these were reached: rerun the removal to sweep them';
  for (let start = 0; start < toDelete.length; start += DELETE_BATCH) {
    job.signal.throwIfAborted();
    const batch = toDelete.slice(start, start + DELETE_BATCH);
    if (!job.dry && job.nowMs() >= deleteUntilMs) {
      for (const item of toDelete.slice(start)) kept.add(lockRanOut, item.key, item.size);
      break;
    }
    if (!job.dry) await mapConcurrent(batch, job.concurrency, job.signal, (item) => backend.delete(item.key));
    for (const item of batch) swept.add(item.key, item.size);
    await job.progress(
      Math.min(0.99, (start + batch.length) / toDelete.length),
      `${swept.set.objects} of ${toDelete.length} unreferenced objects ${job.dry ? 'planned' : 'deleted'} (${swept.set.bytes} bytes)`,
    );
  }

  if (!job.dry) await verifySwept(backend, node, swept.set.objects > 0 ? toDelete.slice(0, swept.set.objects) : []);
  return { dry: job.dry, hostId: node.hostId, dc: node.dc, finishedManifests, swept: swept.set, kept: kept.result() };
}

/** The sweep's effect, checked: none of what it deleted is listed any more. */
async function verifySwept(backend: StorageBackend, node: NodePath, deleted: Array<{ key: string }>): Promise<void> {
  if (deleted.length === 0) return;
  const gone = new Set(deleted.map((d) => d.key));
  const left: string[] = [];
  for await (const entry of dataObjects(backend, node)) if (gone.has(entry.key)) left.push(entry.key);
  if (left.length > 0) throw new Error(`${left.length} objects are still listed after being deleted, e.g. ${left[0]}`);
}
