import { InvalidStateTransitionError, OperationState } from './operation-state';

/**
 * States only a node entry takes (never an operation): WAITING — the node's turn in the phase has not come
 * (the request's `parallel` lets at most n nodes of its data center run the phase at once); no command was
 * sent to it, so nothing times it out.
 */
export enum NodeOnlyState {
  WAITING = 'WAITING',
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
 * The first result wins: a result is never left. A phase run again (the next phase, or a resumed one) starts
 * from fresh PENDING or WAITING entries: that is a new entry, not a move out of a result.
 */
const NODE_MOVES: Readonly<Record<NodeState, readonly NodeState[]>> = {
  [NodeState.WAITING]: [NodeState.PENDING, NodeState.CANCELLED],
  [NodeState.PENDING]: [NodeState.RUNNING, NodeState.COMPLETED, NodeState.FAILED, NodeState.CANCELLED],
  [NodeState.RUNNING]: [NodeState.COMPLETED, NodeState.FAILED, NodeState.CANCELLED],
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

/** A node entry whose command went out (or may have): it owes a result now, and silence counts against it. */
export function isNodeDispatched(state: NodeState): boolean {
  return !isNodeFinished(state) && state !== NodeState.WAITING;
}
