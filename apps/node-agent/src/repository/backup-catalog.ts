import { StorageOperationRequest } from '@daedalus/contracts';
import { StorageBackend, StorageLocation } from '@daedalus/storage';
import { anyStorageLocation, openRequestBackend } from './request-storage';
import { backupNameOf, BackupLayout, parseVerificationKey, VerificationKey } from './backup-layout';
import { ClusterBackupRecord, NodeBackupSummary, parseManifestJson, sumTotals } from './manifest';
import { readText } from './manifest-store';
import { tombstonedNames } from './tombstones';

export interface BackupSummary {
  name: string;
  snapshotTag: string;
  cluster: string;
  /** when the backup started (ISO-8601) */
  time: string;
  endTime?: string;
  /** 'cluster': a global backup; 'node': a node-local one */
  scope: 'cluster' | 'node';
  nodesComplete: number;
  nodesExpected: number;
  /** bytes of every file the backup references */
  totalBytes: number;
  /** bytes this backup uploaded itself (the rest was shared with earlier backups) */
  addedBytes: number;
  complete: boolean;
  nodes: Array<{ hostId: string; dc: string }>;
  /** a global backup taken without the nodes that were down (skipDownNodes) */
  partial?: boolean;
  /** the nodes a partial backup lacks */
  missingNodes?: Array<{ hostId: string; address: string; dc: string }>;
  /** the latest verify of the backup's nodes, when one ran (see `verificationOf`) */
  verified?: BackupVerification;
}

/**
 * What the latest verify of each of a backup's nodes found: `failed` when any node's latest failed (`at`: the
 * newest such failure); `passed` when every node's latest passed; `partial` when some nodes were never verified
 * and none failed. `mode` is full only when every latest result was full; `at` (passed, partial) is the oldest of
 * the latest results: the whole backup was found good at or after it.
 */
export interface BackupVerification {
  state: 'passed' | 'failed' | 'partial';
  mode: 'quick' | 'full';
  at: string;
  nodesVerified: number;
}

export interface ListFilter {
  /** only backups started at or after this time (epoch ms) */
  fromTimestamp?: number;
  /** only the newest N */
  lastN?: number;
}

async function keys(backend: StorageBackend, prefix: string): Promise<string[]> {
  const result: string[] = [];
  for await (const entry of backend.list(prefix)) if (!entry.isPrefix) result.push(entry.key);
  return result;
}

async function readDoc<T extends { schemaVersion: string; kind: string }>(
  backend: StorageBackend,
  key: string,
  kind: T['kind'],
): Promise<T> {
  return parseManifestJson<T>(await readText(backend, key), kind, key);
}

/** "<cluster>/index/<backupName>/<dc>/<hostId>.json" → backupName */
function indexedBackupName(cluster: string, key: string): string | undefined {
  const rest = key.slice(BackupLayout.nodeIndexPrefix(cluster).length).split('/');
  return rest.length === 3 ? rest[0] : undefined;
}

function fromRecord(record: ClusterBackupRecord): BackupSummary {
  return {
    name: record.backupName,
    snapshotTag: record.snapshotTag,
    cluster: record.cluster,
    time: record.startTime,
    endTime: record.endTime,
    scope: 'cluster',
    nodesComplete: record.nodes.length,
    nodesExpected: record.nodes.length,
    totalBytes: record.totals.bytes,
    addedBytes: record.totals.uploadedBytes,
    complete: true,
    nodes: record.nodes.map((n) => ({ hostId: n.hostId, dc: n.dc })),
    ...(record.partial ? { partial: true, missingNodes: record.missingNodes ?? [] } : {}),
  };
}

/** A backup without a cluster record: complete only if it was a node-local backup and its manifest is in. */
function fromNodeSummaries(name: string, cluster: string, manifests: NodeBackupSummary[]): BackupSummary {
  const totals = sumTotals(manifests.map((m) => m.totals));
  const expected = Math.max(...manifests.map((m) => m.expectedNodes));
  const scope = expected === 1 ? 'node' : 'cluster';
  return {
    name,
    snapshotTag: manifests[0].snapshotTag,
    cluster,
    time: manifests.map((m) => m.startTime).sort()[0],
    endTime: manifests
      .map((m) => m.endTime)
      .sort()
      .reverse()[0],
    scope,
    nodesComplete: manifests.length,
    nodesExpected: expected,
    totalBytes: totals.bytes,
    addedBytes: totals.uploadedBytes,
    complete: scope === 'node',
    nodes: manifests.map((m) => ({ hostId: m.hostId, dc: m.dc })),
  };
}

/** The newest verification of each node, by backup name then host ID: from one listing of `<cluster>/verified/`. */
async function latestVerifications(backend: StorageBackend, cluster: string): Promise<Map<string, Map<string, VerificationKey>>> {
  const latest = new Map<string, Map<string, VerificationKey>>();
  for (const key of await keys(backend, BackupLayout.verifiedPrefix(cluster))) {
    const found = parseVerificationKey(cluster, key);
    if (!found) continue;
    const byNode = latest.get(found.backupName) ?? new Map<string, VerificationKey>();
    const known = byNode.get(found.hostId);
    if (!known || known.at.getTime() <= found.at.getTime()) byNode.set(found.hostId, found);
    latest.set(found.backupName, byNode);
  }
  return latest;
}

export function verificationOf(summary: BackupSummary, byNode: Map<string, VerificationKey> | undefined): BackupVerification | undefined {
  const results = summary.nodes.flatMap((n) => byNode?.get(n.hostId) ?? []);
  if (results.length === 0) return undefined;
  const failures = results.filter((r) => r.state === 'failed').sort((a, b) => b.at.getTime() - a.at.getTime());
  const oldest = [...results].sort((a, b) => a.at.getTime() - b.at.getTime())[0];
  return {
    state: failures.length > 0 ? 'failed' : results.length === summary.nodes.length ? 'passed' : 'partial',
    mode: results.every((r) => r.mode === 'full') ? 'full' : 'quick',
    at: (failures[0] ?? oldest).at.toISOString(),
    nodesVerified: results.length,
  };
}

/**
 * Every backup under a location (`protocol://bucket` for all clusters, `protocol://bucket/<cluster>/...` for
 * one), newest first. A global backup is complete once its cluster record exists; until then it shows how
 * many of its nodes have committed their manifest. Each shows its latest verify (`verified`), when one ran.
 */
export async function listBackups(backend: StorageBackend, location: StorageLocation, filter: ListFilter = {}): Promise<BackupSummary[]> {
  const clusters =
    location.path.length > 0
      ? [location.path[0]]
      : (await keys(backend, BackupLayout.clustersPrefix)).map(backupNameOf).filter((c): c is string => c !== undefined);
  const summaries: BackupSummary[] = [];
  for (const cluster of clusters) {
    const first = summaries.length;
    // a tombstoned backup is gone for listing and restore, even while an interrupted removal left its commit points
    const removed = await tombstonedNames(backend, cluster);
    const recorded = new Set<string>(removed);
    for (const key of await keys(backend, BackupLayout.clusterRecordsPrefix(cluster))) {
      if (removed.has(backupNameOf(key) ?? '')) continue;
      const record = await readDoc<ClusterBackupRecord>(backend, key, 'daedalus.cluster-backup');
      recorded.add(record.backupName);
      summaries.push(fromRecord(record));
    }
    const pending = new Map<string, string[]>();
    for (const key of await keys(backend, BackupLayout.nodeIndexPrefix(cluster))) {
      const name = indexedBackupName(cluster, key);
      if (name && !recorded.has(name)) pending.set(name, [...(pending.get(name) ?? []), key]);
    }
    for (const [name, indexKeys] of pending) {
      const nodes = await Promise.all(indexKeys.map((key) => readDoc<NodeBackupSummary>(backend, key, 'daedalus.node-backup-summary')));
      summaries.push(fromNodeSummaries(name, cluster, nodes));
    }
    const verifications = await latestVerifications(backend, cluster);
    for (const summary of summaries.slice(first)) {
      const verified = verificationOf(summary, verifications.get(summary.name));
      if (verified) summary.verified = verified;
    }
  }
  const filtered = summaries
    .filter((s) => filter.fromTimestamp === undefined || Date.parse(s.time) >= filter.fromTimestamp)
    .sort((a, b) => b.time.localeCompare(a.time));
  return filter.lastN ? filtered.slice(0, filter.lastN) : filtered;
}

/**
 * Lists the backups under a storage location string, opening and closing the backend around it; `settings`
 * are a list request's storage fields (its proxy, connections, retry), when it has any.
 */
export async function listBackupsAt(
  storageLocation: string,
  filter: ListFilter = {},
  settings: Partial<StorageOperationRequest> = {},
): Promise<BackupSummary[]> {
  const location = anyStorageLocation(storageLocation);
  // the bucket is verified (never created): a missing one is "not found", not an empty list or a provider error
  const backend = await openRequestBackend(location, {
    ...settings,
    type: 'list',
    storageLocation,
    createMissingBucket: false,
    skipBucketVerification: false,
  });
  try {
    return await listBackups(backend, location, filter);
  } finally {
    await backend.close();
  }
}
