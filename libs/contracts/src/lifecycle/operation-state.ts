/**
 * Operation state machine, in the manner of Cassandra Sidecar's RestoreRangeStatus: one table of allowed
 * moves, one function that refuses every other move. Node entries share the states but have their own table
 * (node-state.ts).
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
  constructor(
    readonly from: OperationState | string,
    readonly to: OperationState | string,
    how = 'move',
    what: 'operation' | 'node' = 'operation',
  ) {
    super(how === 'move' ? `${what} cannot move from ${from} to ${to}` : `${what} cannot be ${how} from ${from} to ${to}`);
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

/**
 * The one move out of a terminal state, kept apart from the table above so that `advanceTo` (every event,
 * every sweep) can never revive a finished operation: an explicit resume request (POST
 * /operations/{id}/resume, or ResumeOperation on NATS) takes a FAILED operation back to RUNNING. Which
 * operations may be resumed at all is `resumeRefusal` (operation-resume.ts).
 */
const RESUMES: Readonly<Partial<Record<OperationState, OperationState>>> = {
  [OperationState.FAILED]: OperationState.RUNNING,
};

export function canResume(from: OperationState): boolean {
  return RESUMES[from] !== undefined;
}

/** The state a resumed operation moves to (RUNNING) when `from` may be resumed; throws otherwise. */
export function resumeFrom(from: OperationState): OperationState {
  const to = RESUMES[from];
  if (to === undefined) throw new InvalidStateTransitionError(from, OperationState.RUNNING, 'resumed');
  return to;
}

export function isTerminal(state: OperationState): boolean {
  return ALLOWED[state].length === 0;
}

export const ALL_OPERATION_STATES: readonly OperationState[] = Object.values(OperationState);
