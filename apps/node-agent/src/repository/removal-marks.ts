import { Readable } from 'node:stream';
import { AlreadyExistsError, isStorageError, StorageBackend } from '@daedalus/storage';
import { BackupLayout, NodePath } from './backup-layout';
import { MANIFEST_SCHEMA_VERSION, parseManifestJson } from './manifest';
import { readText } from './manifest-store';
export { tombstonedNames } from './tombstones';

/**
 * The marks removal and the work it must never race leave in the store (docs/design.md, "Removing backups"):
 * a tombstone per removed backup (immutable, written once), and leases — short-lived documents with an expiry
 * that running backups, restores and sweeps write, renew and delete. Both sides of each race write their own
 * mark first and read the other's second, so on a read-after-write consistent store at least one sees the other.
 */

/** A backup's lease lapses this long after its last renewal; it is renewed every third of that. */
export const BACKUP_LEASE_MS = 5 * 60_000;
/** A sweep deletes only while its lock is valid; it is never renewed, so a backup waits at most this long. */
export const SWEEP_LOCK_MS = 10 * 60_000;
/** A restore's read lease: written by INIT, renewed by DOWNLOAD, deleted by CLEANUP; a failed restore's lapses. */
export const RESTORE_LEASE_MS = 24 * 3600_000;
/**
 * A lease counts as live this long past its expiry: restore leases are written by other nodes, whose clocks may
 * be ahead. For a node's own backup lease and sweep lock (one agent, one clock) it only makes either side wait longer.
 */
export const LEASE_SKEW_MS = 30_000;
/** A sweep stops deleting this long before its lock expires, so no batch runs past it. */
export const SWEEP_LOCK_MARGIN_MS = 60_000;

export type LeasePurpose = 'backup' | 'restore' | 'sweep';

export interface Lease {
  schemaVersion: string;
  kind: 'daedalus.lease';
  purpose: LeasePurpose;
  operationId: string;
  /** the backup it protects (backup, restore) */
  backupName?: string;
  /** the host ID of the agent that holds it */
  holder: string;
  acquiredAt: string;
  expiresAt: string;
}

export interface Tombstone {
  schemaVersion: string;
  kind: 'daedalus.backup-tombstone';
  backupName: string;
  cluster: string;
  /** 'cluster': every node's commit points go; a node: a node-local backup's */
  scope: 'cluster' | { dc: string; hostId: string };
  operationId: string;
  removedAt: string;
}

export function jsonSource(value: unknown): () => Readable {
  const bytes = Buffer.from(JSON.stringify(value, null, 2));
  return () => Readable.from([bytes]);
}

export function newLease(
  purpose: LeasePurpose,
  fields: { operationId: string; holder: string; backupName?: string },
  nowMs: number,
  ttlMs: number,
): Lease {
  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    kind: 'daedalus.lease',
    purpose,
    ...fields,
    acquiredAt: new Date(nowMs).toISOString(),
    expiresAt: new Date(nowMs + ttlMs).toISOString(),
  };
}

export async function writeLease(backend: StorageBackend, key: string, lease: Lease): Promise<void> {
  await backend.put(key, jsonSource(lease), { contentType: 'application/json' });
}

/** A lease found in the store; `lease` is undefined when its document could not be read (it then counts as live). */
export interface FoundLease {
  key: string;
  lease?: Lease;
}

export function isLive(found: FoundLease, nowMs: number): boolean {
  if (!found.lease) return true;
  const expires = Date.parse(found.lease.expiresAt);
  return Number.isNaN(expires) || nowMs < expires + LEASE_SKEW_MS;
}

export function describeLease(found: FoundLease): string {
  return found.lease ? `${found.key}, expires ${found.lease.expiresAt}` : `${found.key}, unreadable: counted as live`;
}

/** Every lease under a prefix; a document that vanished between list and read is skipped. */
export async function listLeases(backend: StorageBackend, prefix: string): Promise<FoundLease[]> {
  const found: FoundLease[] = [];
  for await (const entry of backend.list(prefix)) {
    if (entry.isPrefix || !entry.key.endsWith('.json')) continue;
    try {
      found.push({ key: entry.key, lease: parseManifestJson<Lease>(await readText(backend, entry.key), 'daedalus.lease', entry.key) });
    } catch (error) {
      if (isStorageError(error) && error.kind === 'not-found') continue;
      found.push({ key: entry.key });
    }
  }
  return found;
}

/** The live backup leases of a node (the backups running on it now). */
export async function liveBackupLeases(backend: StorageBackend, node: NodePath, nowMs: number): Promise<FoundLease[]> {
  const leases = await listLeases(backend, BackupLayout.nodeLeasesPrefix(node));
  return leases.filter((l) => l.key.slice(BackupLayout.nodeLeasesPrefix(node).length).startsWith('backup-') && isLive(l, nowMs));
}

/** The live sweep locks on a node other than `except` (a removal sweeping it now). */
export async function liveSweepLocks(backend: StorageBackend, node: NodePath, nowMs: number, except?: string): Promise<FoundLease[]> {
  const leases = await listLeases(backend, BackupLayout.nodeLeasesPrefix(node));
  return leases.filter(
    (l) => l.key !== except && l.key.slice(BackupLayout.nodeLeasesPrefix(node).length).startsWith('sweep-') && isLive(l, nowMs),
  );
}

/** The live restore leases on a backup (restores reading it now). */
export async function liveRestoreLeases(
  backend: StorageBackend,
  cluster: string,
  backupName: string,
  nowMs: number,
): Promise<FoundLease[]> {
  const prefix = `${BackupLayout.restoreLeasesPrefix(cluster)}restore-${backupName}-`;
  const leases = await listLeases(backend, prefix);
  // the prefix also matches a longer backup name that starts with this one: the document says whose it is
  return leases.filter((l) => (l.lease === undefined || l.lease.backupName === backupName) && isLive(l, nowMs));
}

/**
 * Writes a backup's tombstone unless it has one. Returns true when this call wrote it (so it may undo it when
 * a restore turns out to hold the backup), false when an earlier removal had.
 */
export async function writeTombstone(backend: StorageBackend, tombstone: Tombstone): Promise<boolean> {
  const key = BackupLayout.tombstone(tombstone.cluster, tombstone.backupName);
  if (await backend.stat(key)) return false;
  try {
    await backend.put(key, jsonSource(tombstone), { contentType: 'application/json', ifNotExists: true });
    return true;
  } catch (error) {
    if (error instanceof AlreadyExistsError) return false;
    throw error;
  }
}

/** Undoes a tombstone this removal just wrote, before it deleted anything of the backup. */
export async function undoTombstone(backend: StorageBackend, cluster: string, backupName: string): Promise<void> {
  await backend.delete(BackupLayout.tombstone(cluster, backupName));
}

/** Thrown to a restore whose backup a removal has tombstoned. */
export class BackupRemovedError extends Error {}

/**
 * A restore's read lease on a backup: written before the restore relies on the manifests (INIT) and again when
 * DOWNLOAD starts. Then the tombstone is checked: a removal that tombstoned first is seen here; one that
 * tombstones later sees this lease and refuses.
 */
export async function holdBackupForRestore(
  backend: StorageBackend,
  cluster: string,
  backupName: string,
  fields: { operationId: string; holder: string },
  nowMs: number,
): Promise<void> {
  await writeLease(
    backend,
    BackupLayout.restoreLease(cluster, backupName, fields.operationId, fields.holder),
    newLease('restore', { ...fields, backupName }, nowMs, RESTORE_LEASE_MS),
  );
  const tombstone = BackupLayout.tombstone(cluster, backupName);
  if (await backend.stat(tombstone)) {
    await backend.delete(BackupLayout.restoreLease(cluster, backupName, fields.operationId, fields.holder));
    throw new BackupRemovedError(`backup ${backupName} is being removed (${tombstone}): it cannot be restored`);
  }
}

export async function releaseRestoreLease(
  backend: StorageBackend,
  cluster: string,
  backupName: string,
  fields: { operationId: string; holder: string },
): Promise<void> {
  await backend.delete(BackupLayout.restoreLease(cluster, backupName, fields.operationId, fields.holder));
}
