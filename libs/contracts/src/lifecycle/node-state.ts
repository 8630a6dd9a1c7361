import { InvalidStateTransitionError, OperationState } from './operation-state';

/**
 * States only a node entry takes (never an operation): WAITING — the node's turn in the phase has not come
 * (the request's `parallel` lets at most n nodes of its data center run the phase at once); no command was
 * sent to it, so nothing times it out. PAUSED — the maintenance window closed while the node ran a phase that
 * may stop (the protocol's `pausable`): its agent stopped at a safe point and owes nothing until the next
 * window re-admits it (a new round, see `NodeProgress.round`), so nothing times it out either.
 */
export enum NodeOnlyState {
  WAITING = 'WAITING',
  PAUSED = 'PAUSED',
}

export type NodeState = OperationState | NodeOnlyState;
export const NodeState = { ...OperationState, ...NodeOnlyState } as const;

/**
 * One node's part in one phase of an operation (`OperationRecord.nodes`). It uses the operation's states but
 * moves differently, so it has its own table. A node may reach a result straight from PENDING:
 *  - COMPLETED: node events are a work queue consumed by several coordinators at once, so a node's `completed`
 *    can be applied before its `started`; and in a 'one' phase the nodes that have no work complete at once;
 *  - FAILED: the agent refused the command before starting it (invalid request), or the sweeper failed a
 *    silent node;
 *  - CANCELLED: the cancel reached the agent before the command did.
 * A WAITING node (its turn has not come: `parallel`) moves to PENDING when a slot of its data center frees (its
 * command is sent then), or to CANCELLED when the phase will not go on (a node of the phase failed, or a
 * cancel was requested): it never ran, so it has no other result.
 * A PENDING or RUNNING node of a pausable phase moves to PAUSED when its agent reports it stopped for the window's
 * end (an agent that had not started reports it at once); PAUSED moves to PENDING when the next window re-admits
 * it, to CANCELLED when the phase will not go on, and to COMPLETED or FAILED when the result of the same round
 * arrives after the pause (the work ended just before the pause reached it: what really happened counts).
 * The first result wins: a result is never left. A phase run again (the next phase, or a resumed one) starts
 * from fresh PENDING or WAITING entries: that is a new entry, not a move out of a result.
 */
const NODE_MOVES: Readonly<Record<NodeState, readonly NodeState[]>> = {
  [NodeState.WAITING]: [NodeState.PENDING, NodeState.CANCELLED],
  [NodeState.PENDING]: [NodeState.RUNNING, NodeState.COMPLETED, NodeState.FAILED, NodeState.CANCELLED, NodeState.PAUSED],
  [NodeState.RUNNING]: [NodeState.COMPLETED, NodeState.FAILED, NodeState.CANCELLED, NodeState.PAUSED],
  [NodeState.PAUSED]: [NodeState.PENDING, NodeState.COMPLETED, NodeState.FAILED, NodeState.CANCELLED],
  [NodeState.COMPLETED]: [],
  [NodeState.FAILED]: [],
  [NodeState.CANCELLED]: [],
};

export const ALL_NODE_STATES: readonly NodeState[] = Object.values(NodeState);

export function canAdvanceNode(from: NodeState, to: NodeState): boolean {
  return NODE_MOVES[from].includes(to);
}

/** Returns `to` when a node entry may move there, throws otherwise. */
export function advanceNodeTo<T extends NodeState>(from: NodeState, to: T): T {
  if (!canAdvanceNode(from, to)) throw new InvalidStateTransitionError(from, to, 'move', 'node');
  return to;
}

/** A node entry with a result: later events of the same phase change nothing. */
export function isNodeFinished(state: NodeState): boolean {
  return NODE_MOVES[state].length === 0;
}

/**
 * A node entry that holds no command now: WAITING (never sent one) or PAUSED (stopped for the window's end).
 * Admission (turns.ts) moves it to PENDING; a phase that will not go on cancels it.
 */
export function isNodeParked(state: NodeState): boolean {
  return state === NodeState.WAITING || state === NodeState.PAUSED;
}

/** A node entry whose command went out (or may have): it owes a result now, and silence counts against it. */
export function isNodeDispatched(state: NodeState): boolean {
  return !isNodeFinished(state) && !isNodeParked(state);
}
