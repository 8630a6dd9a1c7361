import { OperationRecord } from '@daedalus/contracts';
import { localCopy, OperationPlan } from './operation-plan';
import { nodeStorageLocation } from './backup.plan';

type CommitLogContext = {
  clusterName: string;
};

function clusterNameOf(record: OperationRecord): string {
  const name = (record.context as Partial<CommitLogContext> | undefined)?.clusterName;
  if (typeof name !== 'string') throw new Error(`${record.type} ${record.id} has no cluster name in its context`);
  return name;
}

/**
 * commitlog-backup and commitlog-restore: one phase on every target. A global request's nodes each work under
 * their own <bucket>/<cluster>/<dc>/<hostId> (as a global backup's do): the coordinator fixes the cluster name
 * when it starts and rewrites each node's storageLocation.
 */
export const commitLogPlan: OperationPlan = {
  phases: () => [],
  context: (record, targets, registrations): CommitLogContext => ({
    clusterName: registrations.find((r) => r.hostId === targets[0]?.hostId)?.clusterName ?? 'cluster',
  }),
  nodeRequest(record, node) {
    const request = localCopy(record, node);
    if (!record.request.globalRequest || !('storageLocation' in record.request)) return request;
    return {
      ...request,
      storageLocation: nodeStorageLocation(record.request.storageLocation, { clusterName: clusterNameOf(record) }, node),
    };
  },
};
