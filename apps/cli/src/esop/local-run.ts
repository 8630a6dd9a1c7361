import { randomUUID } from 'node:crypto';
import {
  emptyRestoreLedger,
  foldRestoreLedger,
  BaseOperationRequest,
  RestoreLedger as RestoreLedgerState,
  RestoreLedgerFact,
  StoredPhaseResults,
} from '@daedalus/contracts';
import { OperationStore } from '@daedalus/messaging';
import { ExecutionContext, honoursCancel, OperationExecutor } from '../../../node-agent/src/operations/executor';
import { RestoreLedger, TruncateClaim } from '../../../node-agent/src/operations/restore/restore-ledger';

/** Where a local run's progress goes: bars on a terminal, JSON lines for scripts (progress-sink.ts). */
export interface ProgressSink {
  phase(name: string): void;
  progress(phase: string, fraction: number, message?: string): void;
  phaseDone(name: string, result: unknown): void;
  close(): void;
}

/**
 * The coordinators' restore ledger, kept in memory for the one restore a local run drives: a table is truncated
 * at most once, and only while the run is in TRUNCATE; an imported table is not imported again.
 */
export class LocalRestoreLedger extends RestoreLedger {
  private ledger: RestoreLedgerState = emptyRestoreLedger();
  private phase?: string;

  constructor(private readonly hostId: string) {
    // the agent's ledger reads the KV record; this one never does (no record exists)
    super({ getTrusted: () => Promise.reject(new Error('local mode keeps no operation record')) } satisfies Pick<
      OperationStore,
      'getTrusted'
    >);
  }

  enter(phase: string): void {
    this.phase = phase;
  }

  record(fact: RestoreLedgerFact): void {
    this.ledger = foldRestoreLedger(this.ledger, this.hostId, [fact]) ?? this.ledger;
  }

  override state(): Promise<RestoreLedgerState> {
    return Promise.resolve(this.ledger);
  }

  override mayTruncate(_operationId: string, table: string): Promise<TruncateClaim> {
    if (this.phase !== 'TRUNCATE') return Promise.resolve('phase-left');
    return Promise.resolve(this.ledger.truncated.includes(table) ? 'already-truncated' : 'truncate');
  }
}

export interface LocalRunOptions {
  hostId: string;
  sink: ProgressSink;
  signal: AbortSignal;
  ledger?: LocalRestoreLedger;
  /** the operation id for names the executors derive from it (staging directories, set-aside suffixes) */
  operationId?: string;
}

/**
 * Runs an operation's phases on this node, in order, as the coordinator would command them — each with the
 * results of the phases before it, keyed by this node's host ID. Returns every phase's result; the first phase
 * that fails stops the run (its error propagates).
 */
export async function runLocally<R extends BaseOperationRequest>(
  executor: OperationExecutor<R>,
  request: R,
  phases: ReadonlyArray<string | undefined>,
  options: LocalRunOptions,
): Promise<Record<string, unknown>> {
  const operationId = options.operationId ?? `local-${randomUUID()}`;
  const phaseResults: StoredPhaseResults = {};
  const results: Record<string, unknown> = {};
  for (const phase of phases) {
    const name = phase ?? request.type;
    // Ctrl-C or --timeout stop the run as a cancel would: before a phase that may stop, and inside it; a phase
    // that must not stop halfway (a restore's TRUNCATE, IMPORT and CLEANUP once TRUNCATE began) runs to its end
    const stoppable = honoursCancel(executor, phase);
    if (stoppable) options.signal.throwIfAborted();
    options.ledger?.enter(name);
    options.sink.phase(name);
    const context: ExecutionContext = {
      operationId,
      phase,
      phaseResults: { ...phaseResults },
      signal: stoppable ? options.signal : new AbortController().signal,
      progress: (fraction, message) => {
        options.sink.progress(name, fraction, message);
        return Promise.resolve();
      },
      reportLedger: (fact) => {
        if (!options.ledger) return Promise.reject(new Error(`${name} reported a restore ledger fact outside a restore`));
        options.ledger.record(fact);
        return Promise.resolve();
      },
    };
    const result = await executor.execute(request, context);
    if (phase !== undefined) phaseResults[phase] = { [options.hostId]: result };
    results[name] = result;
    options.sink.phaseDone(name, result);
  }
  return results;
}
