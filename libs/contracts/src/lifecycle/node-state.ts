import { InvalidStateTransitionError, OperationState } from './operation-state';

/**
 * One node's part in one phase of an operation (`OperationRecord.nodes`). It uses the operation's states but
 * moves differently, so it has its own table. A node may reach a result straight from PENDING:
 *  - COMPLETED: node events are a work queue consumed by several coordinators at once, so a node's `completed`
 *    can be applied before its `started`; and in a 'one' phase the nodes that have no work complete at once;
 *  - FAILED: the agent refused the command before starting it (invalid request), or the sweeper failed a
 *    silent node;
 *  - CANCELLED: the cancel reached the agent before the command did.
 * The first result wins: a result is never left. A phase run again (the next phase, or a resumed one) starts
 * from fresh PENDING entries: that is a new entry, not a move out of a result.
 */
const NODE_MOVES: Readonly<Record<OperationState, readonly OperationState[]>> = {
  [OperationState.PENDING]: [OperationState.RUNNING, OperationState.COMPLETED, OperationState.FAILED, OperationState.CANCELLED],
  [OperationState.RUNNING]: [OperationState.COMPLETED, OperationState.FAILED, OperationState.CANCELLED],
  [OperationState.COMPLETED]: [],
  [OperationState.FAILED]: [],
  [OperationState.CANCELLED]: [],
};

export function canAdvanceNode(from: OperationState, to: OperationState): boolean {
  return NODE_MOVES[from].includes(to);
}

/** Returns `to` when a node entry may move there, throws otherwise. */
export function advanceNodeTo(from: OperationState, to: OperationState): OperationState {
  if (!canAdvanceNode(from, to)) throw new InvalidStateTransitionError(from, to, 'move', 'node');
  return to;
}

/** A node entry with a result: later events of the same phase change nothing. */
export function isNodeFinished(state: OperationState): boolean {
  return NODE_MOVES[state].length === 0;
}
