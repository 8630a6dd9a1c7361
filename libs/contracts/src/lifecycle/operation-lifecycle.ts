import type { NodeEventMessage } from '../messages';
import { errorSource, NodeProgress, OperationRecord } from '../operation-record';
import type { StoredPhaseResults } from '../protocols/protocol';
import { applyToNode, nodesForPhase } from './node-entries';
import { isNodeDispatched, isNodeFinished, NodeState } from './node-state';
import { withResumeHint } from './operation-resume';
import { advanceTo, isTerminal, OperationState } from './operation-state';
import type { PhaseStep } from './phase-step';
import { overallProgress } from './progress';
import { admitTurns, cancelWaiting, pausedMessage, queueTurns } from './turns';

/**
 * Pure functions from (record, input) to a new record, or `undefined` when the input changes nothing: the
 * coordinator applies them by compare-and-set, the gateway fails an operation through `failOperation`. Every
 * handler is safe to run twice because applying the same input again yields `undefined`.
 *
 * Multi-phase operations keep the node states of the current phase in `nodes`; a phase starts only when
 * every node finished the previous one, and a failure or cancel in any phase ends the operation.
 */

export function startOperation(
  record: OperationRecord,
  targets: NodeProgress[],
  now: Date,
  steps: PhaseStep[] = [],
  context?: Record<string, unknown>,
): OperationRecord | undefined {
  if (record.state !== OperationState.PENDING) return undefined;
  const started: OperationRecord = {
    ...submitted(record),
    state: advanceTo(record.state, OperationState.RUNNING),
    startTime: now.toISOString(),
    nodes: {},
  };
  started.nodes = queueTurns(started, nodesForPhase(targets, steps[0], now, context?.leader), steps[0], now);
  if (steps.length > 0) {
    started.phases = steps.map((p) => p.name);
    started.phase = steps[0].name;
  }
  if (context) started.context = context;
  return started;
}

/**
 * A PENDING record as a submission made it: what only a coordinator writes once it runs (node entries, phases,
 * context, ledger, resume state) is left out, so a PENDING record written by some other client cannot start an
 * operation with work already marked done or a run count of its choosing.
 */
function submitted(record: OperationRecord): OperationRecord {
  const copy: OperationRecord = { ...record };
  for (const field of RUN_STATE_FIELDS) delete copy[field];
  return copy;
}

const RUN_STATE_FIELDS = [
  'nodes',
  'retentionOperationId',
  'phases',
  'phase',
  'context',
  'phaseResults',
  'restoreLedger',
  'cancelRequested',
  'pauseWindow',
  'resumeCount',
  'resumedAt',
  'previousErrors',
  'resumeRefused',
  'response',
  'completionTime',
  'seal',
] as const satisfies ReadonlyArray<keyof OperationRecord>;

/** Fails an unfinished operation with one error (`source`: coordinator, gateway, or a node). */
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
  // the nodes still waiting for their turn (`parallel`) never got a command, the paused ones stopped: cancelled at once
  const nodes = record.nodes ? cancelWaiting(record.nodes, 'the operation was cancelled before its turn came', now) : undefined;
  const next = { ...record, cancelRequested: true, ...(nodes ? { nodes } : {}) };
  // every node was waiting or paused (a maintenance window closed): no node event will end the operation, so it ends here
  const all = Object.values(nodes ?? {});
  if (nodes && nodes !== record.nodes && all.every((n) => isNodeFinished(n.state))) return finish(next, all, now, true);
  return next;
}

/** The record's phase results with the current phase's, from the nodes that returned one. */
function withPhaseResults(record: OperationRecord, nodes: NodeProgress[]): StoredPhaseResults | undefined {
  const results = nodes.filter((n) => n.result !== undefined);
  if (!record.phase || results.length === 0) return record.phaseResults;
  return { ...record.phaseResults, [record.phase]: Object.fromEntries(results.map((n) => [n.hostId, n.result])) };
}

/**
 * Icarus's `response` of a finished operation. Multi-phase: the results of every phase that ran, by phase and
 * host ID. Otherwise a single node's result is the operation's (Icarus clients read e.g. a list straight from
 * `response`); several nodes' results are by host ID.
 */
function responseOf(record: OperationRecord, nodes: NodeProgress[], phaseResults: StoredPhaseResults | undefined): unknown {
  if (record.phase) return phaseResults;
  const results = nodes.filter((n) => n.result !== undefined);
  if (results.length === 0) return record.response;
  return nodes.length === 1 ? results[0].result : Object.fromEntries(results.map((n) => [n.hostId, n.result]));
}

/** The record with its phase results (multi-phase) and response, as it ends. */
function ended(record: OperationRecord, nodes: NodeProgress[], final: OperationState, now: Date): OperationRecord {
  const phaseResults = withPhaseResults(record, nodes);
  const response = responseOf(record, nodes, phaseResults);
  return {
    ...record,
    state: advanceTo(record.state, final),
    completionTime: now.toISOString(),
    ...(phaseResults !== undefined ? { phaseResults } : {}),
    ...(response !== undefined ? { response } : {}),
  };
}

/** The operation's own state once every node has finished: any failure fails it, any cancel cancels it. */
function finish(record: OperationRecord, nodes: NodeProgress[], now: Date, phasesLeft: boolean): OperationRecord {
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
  const done = ended({ ...record, errors }, nodes, final, now);
  return final === OperationState.COMPLETED ? { ...done, progress: 1 } : done;
}

/** The operation FAILED when its last phase completed on every node but that phase's cross-node check refuses it. */
function lastCheckFailure(
  record: OperationRecord,
  nodes: NodeProgress[],
  now: Date,
  last: PhaseStep | undefined,
): OperationRecord | undefined {
  if (!last?.afterAll || !nodes.every((n) => n.state === OperationState.COMPLETED)) return undefined;
  const verdict = last.afterAll(Object.fromEntries(nodes.filter((n) => n.result !== undefined).map((n) => [n.hostId, n.result])));
  if (verdict.ok) return undefined;
  const error = { source: 'coordinator', message: `${verdict.error} (phase ${record.phase})` };
  return ended({ ...record, errors: [...record.errors, error] }, nodes, OperationState.FAILED, now);
}

/** The record once every node of the current phase finished and more phases follow. */
function closePhase(record: OperationRecord, nodes: NodeProgress[], now: Date, steps: PhaseStep[], index: number): OperationRecord {
  const current = steps[index];
  const nextStep = steps[index + 1];
  const allCompleted = nodes.every((n) => n.state === OperationState.COMPLETED);
  const stopForCancel = record.cancelRequested === true && nextStep.cancelBefore;
  if (!allCompleted || stopForCancel) return finish(record, nodes, now, true);

  const results = Object.fromEntries(nodes.filter((n) => n.result !== undefined).map((n) => [n.hostId, n.result]));
  const verdict = current.afterAll?.(results) ?? { ok: true };
  if (!verdict.ok) {
    const error = { source: 'coordinator', message: `${verdict.error} (phase ${record.phase})` };
    return ended({ ...record, errors: [...record.errors, error] }, nodes, OperationState.FAILED, now);
  }
  const context = verdict.context ? { ...record.context, ...verdict.context } : record.context;
  const phaseResults = withPhaseResults(record, nodes);
  const next: OperationRecord = {
    ...record,
    ...(context !== undefined ? { context } : {}),
    ...(phaseResults !== undefined ? { phaseResults } : {}),
    phase: nextStep.name,
    progress: overallProgress([], steps, nextStep.name),
  };
  return { ...next, nodes: queueTurns(next, nodesForPhase(nodes, nextStep, now, context?.leader), nextStep, now) };
}

/** Folds one node event into the record: the node's entry, the progress, and the phase or operation it ends. */
export function applyNodeEvent(
  record: OperationRecord,
  event: NodeEventMessage,
  now: Date,
  steps: PhaseStep[] = [],
): OperationRecord | undefined {
  if (isTerminal(record.state) || record.state === OperationState.PENDING || !record.nodes) return undefined;
  if ((event.phase ?? undefined) !== (record.phase ?? undefined)) return undefined; // an event of another phase
  const node = record.nodes[event.hostId];
  if (!node) return undefined;
  const applied = applyToNode(node, event, now);
  if (!applied) return undefined;
  // a node paused at the window's end says when it resumes (admitTurns below re-admits it if the window is open)
  const updated = applied.state === NodeState.PAUSED ? { ...applied, message: pausedMessage(record, now) } : applied;
  // a node that finished frees its data center's slot for the next WAITING node (`parallel`), in this same write
  const step = steps.find((p) => p.name === record.phase);
  const nodes = admitTurns(record, { ...record.nodes, [event.hostId]: updated }, step, now);
  const all = Object.values(nodes);
  const next: OperationRecord = { ...record, nodes, progress: overallProgress(all, steps, record.phase) };
  if (!all.every((n) => isNodeFinished(n.state))) return next;

  const index = steps.findIndex((p) => p.name === record.phase);
  if (index < 0 || index === steps.length - 1) return lastCheckFailure(next, all, now, steps[index]) ?? finish(next, all, now, false);
  return closePhase(next, all, now, steps, index);
}

/**
 * Nodes that owe a result in the current phase and were sent their command: not those WAITING for their turn
 * (`parallel`), which nothing may time out, cancel on the node or send a command to before they are admitted.
 */
export function pendingNodes(record: OperationRecord): NodeProgress[] {
  return Object.values(record.nodes ?? {}).filter((n) => isNodeDispatched(n.state));
}
