import { NodeResults, PhaseVerdict, RestoreContext, RestoreInitResult, RestorePitrPlanResult, restoreProtocol } from '@daedalus/contracts';
import { nodeStorageLocation } from './backup.plan';
import { localCopy, phasedPlan } from './operation-plan';

/** INIT (and a dry run's PLAN) passes only if every node found the same backup and the cluster agrees on one schema version. */
export function checkInit(
  // a dry run of IN_PLACE reports no schema version (Cassandra is stopped): every node null agrees
  results: NodeResults<{ backupName: RestoreInitResult['backupName']; schemaVersion: string | null }>,
): PhaseVerdict<RestoreContext> {
  const reports = Object.entries(results);
  const names = new Set<string | undefined>(reports.map(([, r]) => r.backupName));
  if (names.size !== 1 || names.has(undefined)) {
    return { ok: false, error: `nodes resolved different backups: ${reports.map(([h, r]) => `${h}=${r.backupName}`).join(', ')}` };
  }
  const schemas = new Set(reports.map(([, r]) => r.schemaVersion));
  if (schemas.size !== 1) {
    return {
      ok: false,
      error: `the cluster does not agree on one schema version: ${reports.map(([h, r]) => `${h}=${r.schemaVersion}`).join(', ')}`,
    };
  }
  return { ok: true, context: { backupName: [...names][0] } };
}

/**
 * PITR_PLAN passes only if every node can be restored to the point: a node without a backup before it, with a
 * gap in its segments, or still running fails the restore here, before any node changed anything. Each node
 * chooses its own backup (its commit logs start from that backup), so nodes may restore different ones.
 */
export function checkPointInTimePlan(results: NodeResults<Pick<RestorePitrPlanResult, 'problem'>>): PhaseVerdict<RestoreContext> {
  const problems = Object.entries(results).filter(([, r]) => r.problem !== null);
  if (problems.length === 0) return { ok: true };
  return {
    ok: false,
    error:
      `point-in-time restore refused in planning, nothing was changed on any node: ` +
      problems.map(([hostId, r]) => `${hostId}: ${r.problem?.message ?? 'no plan'}`).join('; '),
  };
}

/** The restore protocol's phases with their share of the work: downloading and importing dominate. */
export const restorePlan = phasedPlan({
  protocol: restoreProtocol,
  weights: { INIT: 0.02, DOWNLOAD: 0.6, TRUNCATE: 0.03, IMPORT: 0.3, CLEANUP: 0.05, PITR_PLAN: 0.02, IN_PLACE: 1, COMMITLOG: 0.2, PLAN: 1 },
  // a dry run's PLAN reports the backup and schema version as INIT does: the nodes must agree the same way
  afterAll: { INIT: checkInit, PLAN: checkInit, PITR_PLAN: checkPointInTimePlan },
  context: (_request, targets, registrations) => ({
    clusterName: registrations.find((r) => r.hostId === targets[0]?.hostId)?.clusterName ?? 'cluster',
    participants: targets.map((t) => ({ hostId: t.hostId, address: t.address, dc: t.dc })),
  }),
  // a global restore reads each node's backup under the real <cluster>/<dc>/<hostId>, whatever segments the
  // client's location had (Icarus replaces them too); a node-local request keeps its location as sent
  nodeRequest(record, node, context) {
    const request = localCopy(record, node);
    // (a record without its context yet, e.g. cancelled before it started, keeps the location: nothing reads it)
    if (!record.request.globalRequest || record.request.type !== 'restore' || !context?.clusterName) return request;
    return { ...request, storageLocation: nodeStorageLocation(record.request.storageLocation, context, node) };
  },
});
