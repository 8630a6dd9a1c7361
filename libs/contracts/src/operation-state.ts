/**
 * Operation (and per-node) state machine, in the manner of Cassandra Sidecar's RestoreRangeStatus:
 * one table of allowed moves, one function that refuses every other move.
 */
export enum OperationState {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

const ALLOWED: Readonly<Record<OperationState, readonly OperationState[]>> = {
  [OperationState.PENDING]: [OperationState.RUNNING, OperationState.FAILED, OperationState.CANCELLED],
  [OperationState.RUNNING]: [OperationState.COMPLETED, OperationState.FAILED, OperationState.CANCELLED],
  [OperationState.COMPLETED]: [],
  [OperationState.FAILED]: [],
  [OperationState.CANCELLED]: [],
};

export class InvalidStateTransitionError extends Error {
  constructor(readonly from: OperationState, readonly to: OperationState) {
    super(`operation cannot move from ${from} to ${to}`);
    this.name = 'InvalidStateTransitionError';
  }
}

export function canAdvance(from: OperationState, to: OperationState): boolean {
  return ALLOWED[from].includes(to);
}

/** Returns `to` when the move is allowed, throws otherwise. */
export function advanceTo(from: OperationState, to: OperationState): OperationState {
  if (!canAdvance(from, to)) throw new InvalidStateTransitionError(from, to);
  return to;
}

export function isTerminal(state: OperationState): boolean {
  return ALLOWED[state].length === 0;
}

export const ALL_OPERATION_STATES: readonly OperationState[] = Object.values(OperationState);
