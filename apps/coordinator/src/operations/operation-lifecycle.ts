import {
  advanceTo,
  errorSource,
  isRestorePastTruncate,
  isTerminal,
  NodeEventMessage,
  NodeProgress,
  OperationRecord,
  OperationState,
  resumeFrom,
  resumeRefusal,
  resumeRequest,
  TERMINAL_EVENT_STATE,
} from '@daedalus/contracts';
import type { PhasePlan } from '../plans/operation-plan';

/**
 * Pure functions from (record, input) to a new record, or `undefined` when the input changes nothing.
 * Every handler is safe to run twice: applying the same input again yields `undefined`.
 *
 * Multi-phase operations keep the node states of the current phase in `nodes`; a phase starts only when
 * every node finished the previous one, and a failure or cancel in any phase ends the operation.
 */

/**
 * The node entries for a phase: in an 'one' phase one node works — the plan's `leader` when it named one,
 * else the first — and the others have nothing to do.
 */
function nodesForPhase(nodes: NodeProgress[], phase: PhasePlan | undefined, now: Date, leader?: unknown): Record<string, NodeProgress> {
  const worker = nodes.some((n) => n.hostId === leader) ? leader : nodes[0]?.hostId;
  return Object.fromEntries(
    nodes.map((node) => {
      const fresh: NodeProgress = { hostId: node.hostId, address: node.address, dc: node.dc, state: OperationState.PENDING, progress: 0 };
      if (phase) fresh.phase = phase.name;
      if (phase?.on === 'one' && node.hostId !== worker) {
        return [
          node.hostId,
          {
            ...fresh,
            state: OperationState.COMPLETED,
            progress: 1,
            message: `no work in phase ${phase.name}`,
            completionTime: now.toISOString(),
          },
        ];
      }
      return [node.hostId, fresh];
    }),
  );
}

export function startOperation(
  record: OperationRecord,
  targets: NodeProgress[],
  now: Date,
  phases: PhasePlan[] = [],
  context?: Record<string, unknown>,
): OperationRecord | undefined {
  if (record.state !== OperationState.PENDING) return undefined;
  const started: OperationRecord = {
    ...record,
    state: advanceTo(record.state, OperationState.RUNNING),
    startTime: now.toISOString(),
    nodes: nodesForPhase(targets, phases[0], now, context?.leader),
  };
  if (phases.length > 0) {
    started.phases = phases.map((p) => p.name);
    started.phase = phases[0].name;
  }
  if (context) started.context = context;
  return started;
}

export function failOperation(record: OperationRecord, source: string, message: string, now: Date): OperationRecord | undefined {
  if (isTerminal(record.state)) return undefined;
  return {
    ...record,
    state: advanceTo(record.state, OperationState.FAILED),
    completionTime: now.toISOString(),
    errors: [...record.errors, { source, message }],
  };
}

export function requestCancel(record: OperationRecord, now: Date): OperationRecord | undefined {
  if (isTerminal(record.state) || record.cancelRequested) return undefined;
  if (record.state === OperationState.PENDING) {
    return {
      ...record,
      cancelRequested: true,
      state: advanceTo(record.state, OperationState.CANCELLED),
      completionTime: now.toISOString(),
    };
  }
  return { ...record, cancelRequested: true };
}

function applyToNode(node: NodeProgress, event: NodeEventMessage, now: Date): NodeProgress | undefined {
  if (isTerminal(node.state)) return undefined; // first result wins; late or repeated events change nothing
  const terminal = TERMINAL_EVENT_STATE[event.kind];
  const progress = Math.min(1, Math.max(node.progress, event.progress));
  if (terminal) {
    return {
      ...node,
      state: terminal,
      progress: terminal === OperationState.COMPLETED ? 1 : progress,
      message: event.message,
      result: event.result,
      startTime: node.startTime ?? now.toISOString(),
      completionTime: now.toISOString(),
    };
  }
  const message = event.message ?? node.message;
  const changed = node.state !== OperationState.RUNNING || progress !== node.progress || message !== node.message;
  if (!changed) return undefined;
  return { ...node, state: OperationState.RUNNING, progress, message, startTime: node.startTime ?? now.toISOString() };
}

/** Results of the nodes that returned one, by host ID (and by phase for multi-phase operations). */
function collectResults(record: OperationRecord, nodes: NodeProgress[]): unknown {
  const results = nodes.filter((n) => n.result !== undefined);
  if (results.length === 0) return record.response;
  const byHost = Object.fromEntries(results.map((n) => [n.hostId, n.result]));
  if (record.phase) {
    const previous = (record.response ?? {}) as Record<string, unknown>;
    return { ...previous, [record.phase]: byHost };
  }
  // a single node's result is the operation's result (Icarus clients read e.g. a list straight from `response`)
  return nodes.length === 1 ? results[0].result : byHost;
}

/**
 * A failure of a restore whose tables may already be truncated says how to finish it: resume. A node message
 * that already says so (the agent's IMPORT failure, the sweeper's) is left as it is.
 */
export function withResumeHint(record: OperationRecord, message: string): string {
  if (!isRestorePastTruncate(record) || message.includes(`/operations/${record.id}/resume`)) return message;
  return `The restore stopped after TRUNCATE; once the cause is fixed, resume it with ${resumeRequest(record.id)}. ${message}`;
}

/** The operation's own state once every node has finished: any failure fails it, any cancel cancels it. */
function finish(record: OperationRecord, nodes: NodeProgress[], now: Date, phasesLeft = false): OperationRecord {
  const failed = nodes.filter((n) => n.state === OperationState.FAILED);
  // a cancel that arrives between phases stops the operation before the next phase starts
  const cancelled = nodes.some((n) => n.state === OperationState.CANCELLED) || (phasesLeft && record.cancelRequested === true);
  const final = failed.length > 0 ? OperationState.FAILED : cancelled ? OperationState.CANCELLED : OperationState.COMPLETED;
  const where = record.phase ? ` (phase ${record.phase})` : '';
  const errors = [
    ...record.errors,
    ...failed.map((n) => ({
      source: errorSource(n),
      message: withResumeHint(record, `${n.message ?? 'failed without a message'}${where}`),
    })),
  ];
  return {
    ...record,
    state: advanceTo(record.state, final),
    progress: final === OperationState.COMPLETED ? 1 : record.progress,
    completionTime: now.toISOString(),
    errors,
    response: collectResults(record, nodes),
  };
}

/** Overall progress: phases done count in full, the current one by the mean of its nodes' progress. */
function overallProgress(nodes: NodeProgress[], phases: PhasePlan[], current?: string): number {
  const mean = nodes.reduce((sum, n) => sum + n.progress, 0) / Math.max(1, nodes.length);
  if (phases.length === 0 || !current) return mean;
  const total = phases.reduce((sum, p) => sum + p.weight, 0);
  const index = phases.findIndex((p) => p.name === current);
  const done = phases.slice(0, index).reduce((sum, p) => sum + p.weight, 0);
  return Math.min(1, (done + phases[index].weight * mean) / total);
}

export function applyNodeEvent(
  record: OperationRecord,
  event: NodeEventMessage,
  now: Date,
  phases: PhasePlan[] = [],
): OperationRecord | undefined {
  if (isTerminal(record.state) || record.state === OperationState.PENDING || !record.nodes) return undefined;
  if ((event.phase ?? undefined) !== (record.phase ?? undefined)) return undefined; // an event of another phase
  const node = record.nodes[event.hostId];
  if (!node) return undefined;
  const updated = applyToNode(node, event, now);
  if (!updated) return undefined;
  const nodes = { ...record.nodes, [event.hostId]: updated };
  const all = Object.values(nodes);
  const next: OperationRecord = { ...record, nodes, progress: overallProgress(all, phases, record.phase) };
  if (!all.every((n) => isTerminal(n.state))) return next;

  const index = phases.findIndex((p) => p.name === record.phase);
  const current = index >= 0 ? phases[index] : undefined;
  const nextPhase = index >= 0 ? phases[index + 1] : undefined;
  const allCompleted = all.every((n) => n.state === OperationState.COMPLETED);
  const stopForCancel = record.cancelRequested === true && nextPhase?.cancelBefore !== false;
  if (!nextPhase || !allCompleted || stopForCancel) return finish(next, all, now, nextPhase !== undefined);

  const results = Object.fromEntries(all.filter((n) => n.result !== undefined).map((n) => [n.hostId, n.result]));
  const verdict = current?.afterAll?.(results) ?? { ok: true };
  if (!verdict.ok) {
    const failed = { ...next, response: collectResults(next, all) };
    return {
      ...failed,
      state: advanceTo(next.state, OperationState.FAILED),
      completionTime: now.toISOString(),
      errors: [...next.errors, { source: 'coordinator', message: `${verdict.error} (phase ${record.phase})` }],
    };
  }
  return {
    ...next,
    context: verdict.context ? { ...next.context, ...verdict.context } : next.context,
    response: collectResults(next, all),
    phase: nextPhase.name,
    nodes: nodesForPhase(all, nextPhase, now, (verdict.context ?? next.context)?.leader),
    progress: overallProgress([], phases, nextPhase.name),
  };
}

/** Nodes that still owe a result (in the current phase). */
export function pendingNodes(record: OperationRecord): NodeProgress[] {
  return Object.values(record.nodes ?? {}).filter((n) => !isTerminal(n.state));
}

export type ResumeOutcome =
  | { kind: 'resumed'; record: OperationRecord }
  /** nothing to do: already running again (a repeated request), or the request was for an earlier resume */
  | { kind: 'unchanged' }
  | { kind: 'refused'; reason: string };

/**
 * Resumes a FAILED restore (see `resumeRefusal` in libs/contracts for which ones) from the phase that failed:
 * that phase's nodes that did not complete it go back to PENDING (all of them if every one had completed), the
 * phases before it are not run again, and the errors move to `previousErrors` (kept, no longer counting).
 * `expectedCount` is the resume count the requester saw: a request for an older count was already served.
 */
export function resumeOperation(record: OperationRecord, now: Date, phases: PhasePlan[], expectedCount?: number): ResumeOutcome {
  const count = record.resumeCount ?? 0;
  if (expectedCount !== undefined && expectedCount < count) return { kind: 'unchanged' };
  if (record.state === OperationState.RUNNING || record.state === OperationState.PENDING) return { kind: 'unchanged' };
  const refusal = resumeRefusal(record);
  if (refusal) return { kind: 'refused', reason: refusal };
  const phase = phases.find((p) => p.name === record.phase);
  if (!phase || !record.nodes) return { kind: 'refused', reason: `operation ${record.id} has no phase ${record.phase ?? ''} to run again` };

  const at = now.toISOString();
  const all = Object.values(record.nodes);
  const unfinished = all.filter((n) => n.state !== OperationState.COMPLETED);
  const nodes =
    unfinished.length > 0
      ? Object.fromEntries(
          all.map((n) => {
            if (n.state === OperationState.COMPLETED) return [n.hostId, n];
            const fresh: NodeProgress = {
              hostId: n.hostId,
              address: n.address,
              dc: n.dc,
              state: OperationState.PENDING,
              progress: 0,
              phase: phase.name,
            };
            return [n.hostId, fresh];
          }),
        )
      : nodesForPhase(all, phase, now, record.context?.leader);
  const resumed: OperationRecord = {
    ...record,
    state: resumeFrom(record.state),
    nodes,
    errors: [],
    previousErrors: [...(record.previousErrors ?? []), ...record.errors.map((e) => ({ ...e, run: count }))],
    resumeCount: count + 1,
    resumedAt: at,
    progress: overallProgress(Object.values(nodes), phases, phase.name),
  };
  delete resumed.completionTime;
  delete resumed.resumeRefused;
  return { kind: 'resumed', record: resumed };
}

/** Notes a refused resume in the record (direct NATS clients have no other answer); once per reason. */
export function noteResumeRefused(record: OperationRecord, reason: string, now: Date): OperationRecord | undefined {
  if (record.resumeRefused?.reason === reason) return undefined;
  return { ...record, resumeRefused: { at: now.toISOString(), reason } };
}
