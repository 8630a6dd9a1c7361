import { RemoveBackupContext, removeBackupProtocol } from '@daedalus/contracts';
import { localCopy, phasedPlan } from './operation-plan';
import { nodeStorageLocation } from './backup.plan';

/**
 * A removal tombstones on one node (the first target) and sweeps on every node, each its own prefix. The
 * context says whether the request was global: the nodes' copies are node-local, as for every type.
 */
export const removeBackupPlan = phasedPlan({
  protocol: removeBackupProtocol,
  // tombstoning deletes a few small documents per backup; the sweep lists and deletes the objects
  weights: { TOMBSTONE: 0.1, SWEEP: 0.9 },
  context(request, targets, registrations): RemoveBackupContext {
    return {
      clusterName: registrations.find((r) => r.hostId === targets[0]?.hostId)?.clusterName ?? 'cluster',
      participants: targets.map((t) => ({ hostId: t.hostId, address: t.address, dc: t.dc })),
      global: request.globalRequest ?? false,
    };
  },
  // each node of a global removal works under its own <bucket>/<cluster>/<dc>/<hostId>, as a backup does
  nodeRequest(record, node, context) {
    const request = localCopy(record, node);
    if (!record.request.globalRequest || record.request.type !== 'remove-backup') return request;
    if (!context) throw new Error(`remove-backup ${record.id} has no context`);
    return { ...request, storageLocation: nodeStorageLocation(record.request.storageLocation, context, node) };
  },
});
