import type { NodeProgress, OperationRecord } from '../operation-record';
import { backupProtocol } from '../protocols/backup.protocol';
import type { AnyProtocol } from '../protocols/protocol';
import { restoreProtocol } from '../protocols/restore.protocol';
import { requestedDcs } from '../requests/datacenters';
import type { BaseOperationRequest } from '../requests/common';
import {
  PARALLEL_SINGLE_PHASE_TYPES,
  PAUSABLE_SINGLE_PHASE_TYPES,
  ParallelLimit,
  parallelLimitFor,
  parallelShapeErrors,
} from '../requests/parallel';
import type { FieldError } from '../requests/registry';
import { maintenanceWindowShapeErrors, windowStateAt } from '../requests/maintenance-window';
import { advanceNodeTo, isNodeDispatched, isNodeParked, NodeState } from './node-state';
import { OperationState } from './operation-state';
import type { PhaseStep } from './phase-step';

/**
 * Nodes taking turns (`parallel`, docs/design.md "Gentle on the cluster"). In a phase that honours it, a phase's
 * fresh entries queue up as WAITING and at most n nodes of each data center are admitted (PENDING: their command
 * goes out); each time one finishes, the next WAITING node of its data center is admitted — in the same
 * compare-and-set write that records the finish, so however many coordinators apply events, no data center
 * ever has more than n admitted nodes and no WAITING node is forgotten (it is in the record).
 */

/** The multi-phase types that may take turns, by type: their protocol says which phases do (`rules.parallel`). */
const PHASED_PROTOCOLS: Readonly<Record<string, AnyProtocol>> = {
  backup: backupProtocol as unknown as AnyProtocol,
  restore: restoreProtocol as unknown as AnyProtocol,
};

function parallelOf(request: BaseOperationRequest): ParallelLimit | undefined {
  return request.parallel;
}

function turnPhases(protocol: AnyProtocol): string[] {
  return protocol.phases.filter((p) => protocol.rules[p].parallel === true);
}

/** Where a field that paces the nodes (`parallel`, `maintenanceWindow`) makes no sense: why, else undefined. */
function pacingRefusal(request: BaseOperationRequest, field: string): string | undefined {
  const where = `${field} applies to backup (UPLOAD), restore (DOWNLOAD, IN_PLACE) and ${[...PARALLEL_SINGLE_PHASE_TYPES].join(', ')}`;
  if (!request.globalRequest) return `${field}: only a global request (globalRequest: true) runs on several nodes`;
  const protocol = PHASED_PROTOCOLS[request.type];
  if (protocol) {
    const phases = protocol.sequence(request);
    if (phases.some((p) => protocol.rules[p].parallel === true)) return undefined;
    return `${field}: this ${request.type} runs ${phases.join(', ')}, none of which takes turns (${request.type}: ${turnPhases(protocol).join(', ')})`;
  }
  return PARALLEL_SINGLE_PHASE_TYPES.has(request.type) ? undefined : `${field}: a ${request.type} does not run node by node; ${where}`;
}

/**
 * Where `parallel` or `maintenanceWindow` is malformed or makes no sense, a 400 naming the field (a request field
 * is never accepted and ignored).
 */
export function parallelRequestErrors(request: BaseOperationRequest): FieldError[] {
  const errors: FieldError[] = [];
  const parallel = parallelOf(request);
  if (parallel !== undefined) {
    const shape = parallelShapeErrors(parallel);
    const refusal = shape.length > 0 ? undefined : pacingRefusal(request, 'parallel');
    errors.push(...shape, ...(refusal ? [{ field: 'parallel', message: refusal }] : []));
    const dcs = requestedDcs(request.dc);
    if (shape.length === 0 && !refusal && dcs && typeof parallel === 'object') {
      for (const dc of Object.keys(parallel).filter((name) => !dcs.includes(name))) {
        errors.push({ field: `parallel.${dc}`, message: `parallel.${dc}: ${dc} is not among the data centers the request names (dc)` });
      }
    }
  }
  if (request.maintenanceWindow !== undefined) {
    const shape = maintenanceWindowShapeErrors(request.maintenanceWindow);
    const refusal = shape.length > 0 ? undefined : pacingRefusal(request, 'maintenanceWindow');
    errors.push(...shape, ...(refusal ? [{ field: 'maintenanceWindow', message: refusal }] : []));
  }
  return errors;
}

/** Whether the record's current phase (`step`; undefined: a single-phase type) takes turns. */
export function takesTurns(record: OperationRecord, step: PhaseStep | undefined): boolean {
  if (parallelOf(record.request) === undefined && record.request.maintenanceWindow === undefined) return false;
  return step ? step.parallel === true && step.on === 'all' : PARALLEL_SINGLE_PHASE_TYPES.has(record.type);
}

/** Whether the record's current phase (`step`; undefined: a single-phase type) is paused at a maintenance window's end. */
export function pausesAtWindowEnd(record: OperationRecord, step: PhaseStep | undefined): boolean {
  if (record.request.maintenanceWindow === undefined || !takesTurns(record, step)) return false;
  return step ? step.pausable === true : PAUSABLE_SINGLE_PHASE_TYPES.has(record.type);
}

/**
 * Whether a `pause` command of `phase` (undefined: a single-phase type's) may be meant for this operation: it has a
 * maintenance window and the phase is pausable (the agent's check of a command; the coordinator's decision is
 * `nodesToPause`).
 */
export function isPausablePhase(record: OperationRecord, phase: string | undefined): boolean {
  if (record.request.maintenanceWindow === undefined) return false;
  const protocol = PHASED_PROTOCOLS[record.type];
  if (!protocol) return phase === undefined && PAUSABLE_SINGLE_PHASE_TYPES.has(record.type);
  return phase !== undefined && protocol.phases.includes(phase) && protocol.rules[phase].pausable === true;
}

/**
 * The nodes the sweeper asks to pause now (`pause` command): the maintenance window is closed, the phase is
 * pausable, and they were sent their command and owe its result. Nothing is written: a node moves to PAUSED
 * only when its agent says it stopped (`paused` event), and repeated pause commands are one message (its id).
 */
export function nodesToPause(record: OperationRecord, steps: PhaseStep[], now: Date): NodeProgress[] {
  const window = record.request.maintenanceWindow;
  if (record.state !== OperationState.RUNNING || !record.nodes || !window || record.cancelRequested) return [];
  const step = steps.find((p) => p.name === record.phase);
  if (!pausesAtWindowEnd(record, step) || windowStateAt(window, now).open) return [];
  return Object.values(record.nodes).filter((n) => isNodeDispatched(n.state));
}

/** What a PAUSED node's entry says: when the next window opens (re-admission may already be due). */
export function pausedMessage(record: OperationRecord, now: Date): string {
  const window = record.request.maintenanceWindow;
  const state = window ? windowStateAt(window, now) : undefined;
  if (!state || state.open) return "paused at the window's end; resumes now: the window is open again";
  return `paused at the window's end; resumes when the window opens ${state.opensAt ? `at ${state.opensAt.toISOString()}` : 'never again'}`;
}

/** Why the parked nodes (WAITING, PAUSED) of a phase will never get their turn, if they will not. */
function stopReason(record: OperationRecord, nodes: NodeProgress[]): string | undefined {
  if (record.cancelRequested) return 'the operation was cancelled before its turn came';
  const failed = nodes.find((n) => n.state === OperationState.FAILED);
  if (failed) return `node ${failed.hostId} failed in this phase before its turn came`;
  if (nodes.some((n) => n.state === OperationState.CANCELLED && !PARKED_CANCEL.some((p) => n.message?.startsWith(p) === true))) {
    return 'a node of this phase was cancelled before its turn came';
  }
  return undefined;
}

/** How the message of a node cancelled while parked begins (never sent a command / paused): not a cancel of its own. */
const PARKED_CANCEL = ['not run: ', 'not resumed: '] as const;

/**
 * Every parked node cancelled: a WAITING node never got a command, a PAUSED one stopped — neither has anything
 * to stop, so no cancel command is owed to them.
 */
export function cancelWaiting(nodes: Record<string, NodeProgress>, reason: string, now: Date): Record<string, NodeProgress> {
  const parked = Object.values(nodes).filter((n) => isNodeParked(n.state));
  if (parked.length === 0) return nodes;
  const next = { ...nodes };
  for (const node of parked) {
    const prefix = node.state === NodeState.PAUSED ? PARKED_CANCEL[1] : PARKED_CANCEL[0];
    next[node.hostId] = {
      ...node,
      state: advanceNodeTo(node.state, NodeState.CANCELLED),
      message: `${prefix}${reason}`,
      completionTime: now.toISOString(),
    };
  }
  return next;
}

/** Outside the maintenance window no node is admitted: the WAITING nodes say when it opens. */
function withWindowMessage(nodes: Record<string, NodeProgress>, opensAt: Date | undefined): Record<string, NodeProgress> {
  const message = `waiting for the maintenance window, which opens ${opensAt ? `at ${opensAt.toISOString()}` : 'never again'}`;
  const waiting = Object.values(nodes).filter((n) => n.state === NodeState.WAITING && n.message !== message);
  if (waiting.length === 0) return nodes;
  return { ...nodes, ...Object.fromEntries(waiting.map((n) => [n.hostId, { ...n, message }])) };
}

/**
 * The record with the parked nodes whose turn came admitted — the sweeper's call, for a maintenance window that
 * opened while nothing ran (WAITING nodes, and PAUSED ones in a new round) — or undefined when nothing changes.
 */
export function admitDue(record: OperationRecord, steps: PhaseStep[], now: Date): OperationRecord | undefined {
  if (record.state !== OperationState.RUNNING || !record.nodes) return undefined;
  const step = steps.find((p) => p.name === record.phase);
  const nodes = admitTurns(record, record.nodes, step, now);
  return nodes === record.nodes ? undefined : { ...record, nodes };
}

function waitingMessage(limit: number, dc: string): string {
  return `waiting for its turn: parallel lets ${limit} node(s) of ${dc} run this phase at once`;
}

/**
 * Admits the parked nodes whose turn came: while fewer than n nodes of a data center are PENDING or RUNNING,
 * its next parked node becomes PENDING — the PAUSED ones first (they had started), then the WAITING ones, each in
 * the record's order; a PAUSED node starts its next round. When the phase will not go on (a node failed or was
 * cancelled, or a cancel was requested), the parked nodes are cancelled instead.
 */
export function admitTurns(
  record: OperationRecord,
  nodes: Record<string, NodeProgress>,
  step: PhaseStep | undefined,
  now: Date,
): Record<string, NodeProgress> {
  if (!takesTurns(record, step)) return nodes;
  const all = Object.values(nodes);
  if (!all.some((n) => isNodeParked(n.state))) return nodes;
  const stop = stopReason(record, all);
  if (stop) return cancelWaiting(nodes, stop, now);
  const window = record.request.maintenanceWindow ? windowStateAt(record.request.maintenanceWindow, now) : undefined;
  if (window && !window.open) return withWindowMessage(nodes, window.opensAt);
  const active = new Map<string, number>();
  for (const node of all) if (isNodeDispatched(node.state)) active.set(node.dc, (active.get(node.dc) ?? 0) + 1);
  const next = { ...nodes };
  const queue = [...all.filter((n) => n.state === NodeState.PAUSED), ...all.filter((n) => n.state === NodeState.WAITING)];
  for (const node of queue) {
    const limit = parallelLimitFor(parallelOf(record.request), node.dc);
    const running = active.get(node.dc) ?? 0;
    if (limit !== undefined && running >= limit) continue;
    const { message: _waited, ...rest } = node;
    const round = node.state === NodeState.PAUSED ? { round: (node.round ?? 0) + 1 } : {};
    next[node.hostId] = { ...rest, ...round, state: advanceNodeTo(node.state, NodeState.PENDING) };
    active.set(node.dc, running + 1);
  }
  return next;
}

/**
 * The entries of a phase that starts (or runs again after a resume): with `parallel`, its fresh entries queue
 * up as WAITING (fresh entries, not moves) and the first n of each data center are admitted at once.
 */
export function queueTurns(
  record: OperationRecord,
  nodes: Record<string, NodeProgress>,
  step: PhaseStep | undefined,
  now: Date,
): Record<string, NodeProgress> {
  if (!takesTurns(record, step)) return nodes;
  const queued = Object.fromEntries(
    Object.values(nodes).map((node) => {
      if (node.state !== OperationState.PENDING) return [node.hostId, node];
      const limit = parallelLimitFor(parallelOf(record.request), node.dc);
      const message = limit === undefined ? undefined : waitingMessage(limit, node.dc);
      return [node.hostId, { ...node, state: NodeState.WAITING, ...(message ? { message } : {}) }];
    }),
  );
  return admitTurns(record, queued, step, now);
}
