import { canResume } from './operation-state';
import type { OperationRecord } from './operation-record';

/**
 * Which operations a resume request (POST /operations/{id}/resume, ResumeOperation on NATS) applies to.
 * A cluster-wide restore on a running cluster (IMPORT or HARDLINKS) that failed once TRUNCATE had started:
 * its tables may be empty, its downloads are staged on the nodes, and running the failed phase again (the
 * ledger in the record keeps TRUNCATE from truncating twice and IMPORT from importing twice) finishes it.
 */

/** Phases of a global restore during which the data may already be gone. */
export const RESTORE_PHASES_AFTER_TRUNCATE: readonly string[] = ['TRUNCATE', 'IMPORT', 'CLEANUP'];

/** The request that resumes an operation, as failure messages quote it. */
export function resumeRequest(operationId: string): string {
  return `POST /operations/${operationId}/resume`;
}

function truncatedTables(record: OperationRecord): string[] {
  const ledger = record.context?.restoreLedger;
  if (typeof ledger !== 'object' || ledger === null) return [];
  const truncated = (ledger as { truncated?: unknown }).truncated;
  return Array.isArray(truncated) ? truncated.filter((t): t is string => typeof t === 'string') : [];
}

/** A global IMPORT/HARDLINKS restore that got as far as TRUNCATE (whatever its state now). */
export function isRestorePastTruncate(record: OperationRecord): boolean {
  if (record.type !== 'restore' || record.request.type !== 'restore') return false;
  const request = record.request;
  if (!request.globalRequest || request.restorationStrategyType === 'IN_PLACE') return false;
  return truncatedTables(record).length > 0 || RESTORE_PHASES_AFTER_TRUNCATE.includes(record.phase ?? '');
}

/** Why this record cannot be resumed, or undefined when it can. */
export function resumeRefusal(record: OperationRecord): string | undefined {
  if (!canResume(record.state)) return `operation ${record.id} is ${record.state}: only a FAILED operation can be resumed`;
  if (record.type !== 'restore') return `operation ${record.id} is a ${record.type}: only a restore can be resumed`;
  if (record.request.type === 'restore' && !record.request.globalRequest) {
    return `operation ${record.id} is a node-local restore: resubmit it (restorationPhase names the phase to run)`;
  }
  if (record.request.type === 'restore' && record.request.restorationStrategyType === 'IN_PLACE') {
    return `operation ${record.id} is an IN_PLACE restore: only IMPORT and HARDLINKS restores can be resumed`;
  }
  if (!isRestorePastTruncate(record)) {
    return `operation ${record.id} failed in phase ${record.phase ?? 'none'}, before TRUNCATE: nothing was truncated, submit the restore again`;
  }
  if (!record.phase || !record.nodes) return `operation ${record.id} has no phase to run again`;
  return undefined;
}
