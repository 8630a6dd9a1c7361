import { BackupContext, backupProtocol, NodeProgress, Participant } from '@daedalus/contracts';
import { formatStorageLocation, nodeLocation, parseAnyLocation, StorageLocation } from '@daedalus/storage';
import { localCopy, phasedPlan } from './operation-plan';

/**
 * A global request may carry the full node form (protocol://bucket/cluster/dc/node, as Icarus clients send)
 * or just protocol://bucket: either way only protocol and bucket (and the file root) are kept. `datacenters`
 * are the operation's: a `file://` location ending in `<dc>/<node>` is the node form whatever the node id.
 */
export function baseLocation(raw: string, datacenters: readonly string[] = []): StorageLocation {
  return parseAnyLocation(raw, { datacenters });
}

/**
 * Each node of a global request reads or writes under its own <bucket>/<cluster>/<dc>/<hostId>: the segments
 * the client sent (placeholders, often) are replaced with the real ones, as Icarus does.
 */
export function nodeStorageLocation(
  raw: string,
  context: { clusterName: string; participants?: Participant[] },
  node: NodeProgress,
): string {
  const dcs = [...new Set([node.dc, ...(context.participants ?? []).map((p) => p.dc)])];
  return formatStorageLocation(nodeLocation(baseLocation(raw, dcs), context.clusterName, node.dc, node.hostId));
}

/**
 * The name that identifies one backup everywhere (snapshot on the nodes, manifests, cluster record):
 * the tag plus the start time, so a tag reused every night still names distinct backups.
 */
export function backupNameFor(snapshotTag: string | undefined, start: Date): string {
  return snapshotTag ? `${snapshotTag}-${start.getTime()}` : `autosnap-${start.getTime()}`;
}

export const backupPlan = phasedPlan({
  protocol: backupProtocol,
  // the upload is nearly all the work; a consistent backup's SNAPSHOT takes seconds; COMMIT writes two small documents
  weights: { SNAPSHOT: 0.02, UPLOAD: 0.95, COMMIT: 0.03 },
  context(request, targets, registrations, now, missing): BackupContext {
    const clusterName = registrations.find((r) => r.hostId === targets[0]?.hostId)?.clusterName ?? 'cluster';
    return {
      backupName: backupNameFor(request.snapshotTag, now),
      snapshotTag: request.snapshotTag ?? backupNameFor(undefined, now),
      clusterName,
      participants: targets.map((t) => ({ hostId: t.hostId, address: t.address, dc: t.dc })),
      // a partial backup (skipDownNodes): COMMIT writes them into the cluster record, so a restore knows
      ...(missing.length > 0 ? { missingNodes: missing } : {}),
    };
  },
  // each node of a global backup writes under its own <bucket>/<cluster>/<dc>/<hostId>
  nodeRequest(record, node, context) {
    // skipDownNodes and consistency are the coordinator's alone (spent on planning, on the pause); a node-local
    // backup refuses both
    const { skipDownNodes: _spent, consistency: _paused, ...request } = localCopy(record, node);
    if (!record.request.globalRequest || record.request.type !== 'backup') return request;
    if (!context) throw new Error(`backup ${record.id} has no context`);
    return { ...request, storageLocation: nodeStorageLocation(record.request.storageLocation, context, node) };
  },
});
