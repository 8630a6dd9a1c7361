import {
  AnyProtocol,
  ContextOf,
  contextOf,
  isPhaseOf,
  PhaseOf,
  PhaseResults,
  phaseResultsOf,
  RequestOf,
  ResultOf,
} from '@daedalus/contracts';
import { ExecutionContext, OperationExecutor, OperationRejectedError } from './executor';

/** What one phase's handler works with: the agent's execution context, typed by the operation's protocol. */
export interface PhaseContext<P extends AnyProtocol> extends ExecutionContext {
  phase: PhaseOf<P>;
  /** the coordinator's context (absent only from a command no coordinator sent, e.g. in a test) */
  coordination: ContextOf<P> | undefined;
  /** the results of the phases that ran before this one, by phase and host ID */
  results: PhaseResults<P>;
}

export type PhaseHandler<P extends AnyProtocol, K extends PhaseOf<P>> = (
  request: RequestOf<P>,
  context: PhaseContext<P>,
) => Promise<ResultOf<P, K>>;

/** One handler per phase of the protocol, each returning that phase's result DTO: the compiler checks both. */
export type PhaseHandlers<P extends AnyProtocol> = { readonly [K in PhaseOf<P>]: PhaseHandler<P, K> };

/**
 * The executor of a multi-phase operation type: a table of phase handlers. Which phase runs, and whether a
 * cancel stops it, come from the protocol the coordinator's plan follows too.
 */
export abstract class PhasedExecutor<P extends AnyProtocol> implements OperationExecutor<RequestOf<P>> {
  protected abstract readonly protocol: P;
  protected abstract readonly phases: PhaseHandlers<P>;

  get type(): RequestOf<P>['type'] {
    return this.protocol.type;
  }

  /** The protocol's `cancelDuring` for the phase (a phase this executor does not know: yes). */
  cancellableIn(phase?: string): boolean {
    const name = phase ?? this.protocol.unnamedPhase;
    return isPhaseOf(this.protocol, name) ? this.protocol.rules[name].cancelDuring : true;
  }

  async execute(request: RequestOf<P>, context: ExecutionContext): Promise<unknown> {
    const phase = context.phase ?? this.protocol.unnamedPhase;
    if (!isPhaseOf(this.protocol, phase)) throw new OperationRejectedError(`unknown ${this.protocol.type} phase ${phase ?? '(none)'}`);
    const handler: PhaseHandler<P, typeof phase> = this.phases[phase];
    return handler(request, {
      ...context,
      phase,
      coordination: contextOf(this.protocol, context.coordinatorContext),
      results: phaseResultsOf(this.protocol, context.phaseResults),
    });
  }
}
