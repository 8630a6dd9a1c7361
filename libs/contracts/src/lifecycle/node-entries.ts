import type { NodeEventMessage } from '../messages';
import { TERMINAL_EVENT_STATE } from '../messages';
import type { NodeProgress } from '../operation-record';
import { advanceNodeTo, isNodeFinished, NodeState } from './node-state';
import { OperationState } from './operation-state';
import type { PhaseStep } from './phase-step';

/** A node's entry at the start of a phase (or of an operation without phases): nothing done yet. */
export function freshNode(node: NodeProgress, phase?: string): NodeProgress {
  const fresh: NodeProgress = { hostId: node.hostId, address: node.address, dc: node.dc, state: OperationState.PENDING, progress: 0 };
  if (phase) fresh.phase = phase;
  return fresh;
}

/** A node of a 'one' phase that is not the one doing the work: done at once. */
function noWork(node: NodeProgress, phase: string, now: Date): NodeProgress {
  return {
    ...node,
    state: advanceNodeTo(node.state, OperationState.COMPLETED),
    progress: 1,
    message: `no work in phase ${phase}`,
    completionTime: now.toISOString(),
  };
}

/**
 * The node entries for a phase: in a 'one' phase one node works — `leader` (the context's) when it is a
 * target, else the first — and the others have nothing to do.
 */
export function nodesForPhase(
  nodes: NodeProgress[],
  step: PhaseStep | undefined,
  now: Date,
  leader?: unknown,
): Record<string, NodeProgress> {
  const worker = nodes.some((n) => n.hostId === leader) ? leader : nodes[0]?.hostId;
  return Object.fromEntries(
    nodes.map((node) => {
      const fresh = freshNode(node, step?.name);
      return [node.hostId, step?.on === 'one' && node.hostId !== worker ? noWork(fresh, step.name, now) : fresh];
    }),
  );
}

/** A node's entry after one of its events, or undefined when the event changes nothing (repeated, late, stale). */
export function applyToNode(node: NodeProgress, event: NodeEventMessage, now: Date): NodeProgress | undefined {
  if (isNodeFinished(node.state)) return undefined; // first result wins; late or repeated events change nothing
  if (node.state === NodeState.WAITING) return undefined; // never sent its command: nothing it says is about this run
  if ((event.round ?? 0) !== (node.round ?? 0)) return undefined; // a round before (or after) a pause: not this one's
  const result = TERMINAL_EVENT_STATE[event.kind];
  const progress = Math.min(1, Math.max(node.progress, event.progress));
  if (event.kind === 'paused') {
    if (node.state === NodeState.PAUSED) return undefined;
    return { ...node, state: advanceNodeTo(node.state, NodeState.PAUSED), progress, startTime: node.startTime ?? now.toISOString() };
  }
  // a paused round's late start or progress: it stopped; only its result (ended before the pause took hold) counts
  if (node.state === NodeState.PAUSED && !result) return undefined;
  if (result) {
    return {
      ...node,
      state: advanceNodeTo(node.state, result),
      progress: result === OperationState.COMPLETED ? 1 : progress,
      message: event.message,
      result: event.result,
      startTime: node.startTime ?? now.toISOString(),
      completionTime: now.toISOString(),
    };
  }
  const message = event.message ?? node.message;
  const state = node.state === OperationState.RUNNING ? node.state : advanceNodeTo(node.state, OperationState.RUNNING);
  if (state === node.state && progress === node.progress && message === node.message) return undefined;
  return { ...node, state, progress, message, startTime: node.startTime ?? now.toISOString() };
}
