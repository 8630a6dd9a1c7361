import { NodeProgress, NodeRegistration, OperationRecord, RestoreRequest } from '@daedalus/contracts';
import { localCopy, OperationPlan, PhasePlan, PhaseVerdict } from './operation-plan';

export const RESTORE_PHASES = ['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'] as const;

/** What every node's INIT reports (apps/node-agent/src/restore). */
interface InitResult {
  backupName?: string;
  schemaVersion?: string;
}

/** INIT passes only if every node found the same backup and the cluster agrees on one schema version. */
export function checkInit(results: Record<string, unknown>): PhaseVerdict {
  const reports = Object.entries(results) as Array<[string, InitResult]>;
  const names = new Set(reports.map(([, r]) => r.backupName));
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

const PHASES: Record<(typeof RESTORE_PHASES)[number], PhasePlan> = {
  INIT: { name: 'INIT', on: 'all', weight: 0.02, afterAll: checkInit },
  DOWNLOAD: { name: 'DOWNLOAD', on: 'all', weight: 0.6 },
  // truncate is cluster-wide in Cassandra: one node does it for all
  TRUNCATE: { name: 'TRUNCATE', on: 'one', weight: 0.03 },
  // once truncated, a restore must import: a cancel no longer stops it between these phases
  IMPORT: { name: 'IMPORT', on: 'all', weight: 0.3, cancelBefore: false },
  CLEANUP: { name: 'CLEANUP', on: 'all', weight: 0.05, cancelBefore: false },
};

/**
 * A restore on a running cluster goes INIT → DOWNLOAD → TRUNCATE → IMPORT → CLEANUP, each phase starting only
 * when every node finished the previous one. A node-local request may run a single phase (Icarus's
 * `restorationPhase`), which is also how an interrupted IMPORT is finished. IN_PLACE (node stopped) is one
 * phase on each node.
 */
export const restorePlan: OperationPlan = {
  phases(record: OperationRecord): PhasePlan[] {
    const request = record.request as RestoreRequest;
    if (request.restorationStrategyType === 'IN_PLACE') return [{ name: 'IN_PLACE', on: 'all', weight: 1 }];
    if (!request.globalRequest && request.restorationPhase)
      return [{ ...PHASES[request.restorationPhase], weight: 1, afterAll: undefined }];
    return RESTORE_PHASES.map((name) => PHASES[name]);
  },

  context(_record: OperationRecord, targets: NodeProgress[], registrations: NodeRegistration[]): Record<string, unknown> {
    const clusterName = registrations.find((r) => r.hostId === targets[0]?.hostId)?.clusterName ?? 'cluster';
    return { clusterName, participants: targets.map((t) => ({ hostId: t.hostId, address: t.address, dc: t.dc })) };
  },

  nodeRequest: localCopy,
};
