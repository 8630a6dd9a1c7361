import type { NodeResults, PhaseRules } from '../protocols/protocol';

/** What the coordinator concludes once every node finished a phase. */
export type PhaseVerdict<Context = Record<string, unknown>> = { ok: true; context?: Partial<Context> } | { ok: false; error: string };

/**
 * One phase as the lifecycle runs it: the protocol's rules plus what the coordinator's plan adds (see
 * apps/coordinator/src/plans). An operation without steps is one unnamed phase on every target.
 */
export interface PhaseStep extends PhaseRules {
  readonly name: string;
  /** share of the operation's progress this phase accounts for (relative to the other steps) */
  readonly weight: number;
  /**
   * Checks the nodes' results of this phase together before the next phase starts (e.g. they agree), and may
   * add facts to the context for later phases. After the last phase (every node completed) a failing verdict
   * fails the operation (a restore's dry run: the nodes must agree as INIT's would); its context is not kept.
   */
  readonly afterAll?: (results: NodeResults<unknown>) => PhaseVerdict;
}
