import type { NodeProgress, OperationRecord } from '../operation-record';
import { RESTORE_PHASES_AFTER_TRUNCATE } from '../protocols/restore.protocol';
import { freshNode, nodesForPhase } from './node-entries';
import { queueTurns } from './turns';
import { canResume, OperationState, resumeFrom } from './operation-state';
import type { PhaseStep } from './phase-step';
import { overallProgress } from './progress';

/**
 * Which operations a resume request (POST /operations/{id}/resume, ResumeOperation on NATS) applies to, and
 * the move itself. A cluster-wide restore on a running cluster (IMPORT or HARDLINKS) that failed once TRUNCATE
 * had started: its tables may be empty, its downloads are staged on the nodes, and running the failed phase
 * again (the record's restore ledger keeps TRUNCATE from truncating twice and IMPORT from importing twice)
 * finishes it.
 */

/** The request that resumes an operation, as failure messages quote it. */
export function resumeRequest(operationId: string): string {
  return `POST /operations/${operationId}/resume`;
}

/** A global IMPORT/HARDLINKS restore that got as far as TRUNCATE (whatever its state now). */
export function isRestorePastTruncate(record: OperationRecord): boolean {
  if (record.type !== 'restore' || record.request.type !== 'restore') return false;
  const request = record.request;
  if (!request.globalRequest || request.restorationStrategyType === 'IN_PLACE') return false;
  const truncated = record.restoreLedger?.truncated ?? [];
  return truncated.length > 0 || RESTORE_PHASES_AFTER_TRUNCATE.includes(record.phase ?? '');
}

/**
 * A failure of a restore whose tables may already be truncated says how to finish it: resume. A node message
 * that already says so (the agent's IMPORT failure, the sweeper's) is left as it is.
 */
export function withResumeHint(record: OperationRecord, message: string): string {
  if (!isRestorePastTruncate(record) || message.includes(`/operations/${record.id}/resume`)) return message;
  return `The restore stopped after TRUNCATE; once the cause is fixed, resume it with ${resumeRequest(record.id)}. ${message}`;
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

export type ResumeOutcome =
  | { kind: 'resumed'; record: OperationRecord }
  /** nothing to do: already running again (a repeated request), or the request was for an earlier resume */
  | { kind: 'unchanged' }
  | { kind: 'refused'; reason: string };

/**
 * The nodes of a resumed phase: those that did not complete it run it again from fresh entries; when every
 * node had completed it (its cross-node check failed), the whole phase runs again.
 */
function resumedNodes(record: OperationRecord, step: PhaseStep, now: Date): Record<string, NodeProgress> {
  const all = Object.values(record.nodes ?? {});
  const fresh = all.every((n) => n.state === OperationState.COMPLETED)
    ? nodesForPhase(all, step, now, record.context?.leader)
    : Object.fromEntries(all.map((n) => [n.hostId, n.state === OperationState.COMPLETED ? n : freshNode(n, step.name)]));
  // with `parallel` the nodes to run take their turns again (a resumed record is no longer cancel-requested)
  return queueTurns({ ...record, cancelRequested: false }, fresh, step, now);
}

/**
 * Resumes a FAILED restore (see `resumeRefusal` for which ones) from the phase that failed: that phase's
 * nodes that did not complete it go back to PENDING, the phases before it are not run again (their results and
 * the ledger stay), and the errors move to `previousErrors` (kept, no longer counting). The response is written
 * again when the operation ends. `expectedCount` is the resume count the requester saw: a request for an older
 * count was already served.
 */
export function resumeOperation(record: OperationRecord, now: Date, steps: PhaseStep[], expectedCount?: number): ResumeOutcome {
  const count = record.resumeCount ?? 0;
  if (expectedCount !== undefined && expectedCount < count) return { kind: 'unchanged' };
  if (record.state === OperationState.RUNNING || record.state === OperationState.PENDING) return { kind: 'unchanged' };
  const refusal = resumeRefusal(record);
  if (refusal) return { kind: 'refused', reason: refusal };
  const step = steps.find((p) => p.name === record.phase);
  if (!step || !record.nodes) return { kind: 'refused', reason: `operation ${record.id} has no phase ${record.phase ?? ''} to run again` };

  const nodes = resumedNodes(record, step, now);
  const resumed: OperationRecord = {
    ...record,
    state: resumeFrom(record.state),
    nodes,
    errors: [],
    previousErrors: [...(record.previousErrors ?? []), ...record.errors.map((e) => ({ ...e, run: count }))],
    resumeCount: count + 1,
    resumedAt: now.toISOString(),
    progress: overallProgress(Object.values(nodes), steps, step.name),
  };
  delete resumed.completionTime;
  delete resumed.resumeRefused;
  delete resumed.response;
  return { kind: 'resumed', record: resumed };
}

/** Notes a refused resume in the record (direct NATS clients have no other answer); once per reason. */
export function noteResumeRefused(record: OperationRecord, reason: string, now: Date): OperationRecord | undefined {
  if (record.resumeRefused?.reason === reason) return undefined;
  return { ...record, resumeRefused: { at: now.toISOString(), reason } };
}
