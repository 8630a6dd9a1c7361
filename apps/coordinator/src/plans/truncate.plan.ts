import { localCopy, OperationPlan, PhasePlan } from './operation-plan';

/**
 * Cassandra's truncate is cluster-wide: a global truncate runs on one node (the others have no work), so
 * the table is truncated — and auto-snapshotted — once, not once per node. The node chosen is one whose agent
 * allows truncate.
 */
export const truncatePlan: OperationPlan = {
  phases: (record): PhasePlan[] => (record.request.globalRequest ? [{ name: 'TRUNCATE', on: 'one', weight: 1 }] : []),
  // the node that does it must have an agent started with --enable-truncate
  context: (_record, targets, registrations) => ({
    leader: targets.find((t) => registrations.find((r) => r.hostId === t.hostId)?.capabilities?.truncateEnabled)?.hostId,
  }),
  nodeRequest: localCopy,
};
