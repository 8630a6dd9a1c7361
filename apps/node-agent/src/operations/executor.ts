import { BaseOperationRequest, OperationRequest, RestoreLedgerFact, StoredPhaseResults } from '@daedalus/contracts';

/** The request cannot succeed on this node as given (unknown keyspace, node drained, ...): fail, do not retry. */
export class OperationRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperationRejectedError';
  }
}

export interface ExecutionContext {
  operationId: string;
  /** the phase this command runs, for multi-phase operations (backup, restore) */
  phase?: string;
  /** facts the coordinator fixed for the whole operation (e.g. a backup's name and participants) */
  coordinatorContext?: Record<string, unknown>;
  /** results of the phases before this one, by phase and host ID (multi-phase operations) */
  phaseResults?: StoredPhaseResults;
  /** aborted when the operation is cancelled; executors stop at their next safe point */
  signal: AbortSignal;
  /**
   * Reports progress (0..1) of this node's part (of the current phase). `step` names what the node is doing
   * (e.g. DRAINING); it is shown with the message and never changes the operation's phase.
   */
  progress(fraction: number, message?: string, step?: string): Promise<void>;
  /**
   * Reports a restore's ledger fact (a table truncated or imported) in a signed event and resolves once
   * JetStream stored it; rejects when it could not be (the work must then not go on). The coordinators fold it
   * into the record's `restoreLedger`: an agent never writes the record itself.
   */
  reportLedger(fact: RestoreLedgerFact): Promise<void>;
}

export interface OperationExecutor<R extends BaseOperationRequest = OperationRequest> {
  readonly type: R['type'];
  /**
   * false when Cassandra offers no way to stop the operation (drain, decommission, truncate, ...): a cancel
   * then lets it run to the end and the node reports what really happened. Absent means cancellable.
   */
  readonly cancellable?: boolean;
  /** Per-phase answer for multi-phase operations (their protocol's `cancelDuring`); wins over `cancellable`. */
  cancellableIn?(phase?: string): boolean;
  /** Returns the operation's result for the record's `response` (or undefined). */
  execute(request: R, context: ExecutionContext): Promise<unknown>;
}

/** Abstract class as DI token for the list of executors. */
export abstract class ExecutorRegistry {
  abstract get(type: string): OperationExecutor | undefined;
}

export class MapExecutorRegistry extends ExecutorRegistry {
  private readonly byType: Map<string, OperationExecutor>;
  constructor(executors: OperationExecutor[]) {
    super();
    this.byType = new Map(executors.map((e) => [e.type, e]));
  }
  get(type: string): OperationExecutor | undefined {
    return this.byType.get(type);
  }
}

/**
 * The reason the agent aborts a run's signal with when a maintenance window closed (a `pause` command): the run
 * stops at its next safe point as for a cancel, but its next round goes on from there.
 */
export const PAUSE_REASON = new DOMException("paused at the maintenance window's end", 'AbortError');

/** Whether the run was stopped for a pause at a window's end (not a cancel or a deadline). */
export function isPausedStop(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason === PAUSE_REASON;
}

/** Agent settings the executors share. */
export interface ExecutorSettings {
  /** how often a long operation reads its progress from the node */
  progressIntervalMs: number;
}

/** Whether a cancel stops this executor in this phase. */
export function honoursCancel(
  executor: Pick<OperationExecutor<BaseOperationRequest>, 'cancellable' | 'cancellableIn'>,
  phase?: string,
): boolean {
  return executor.cancellableIn ? executor.cancellableIn(phase) : executor.cancellable !== false;
}
