import { NodeProgress, NodeRegistration, OperationRecord } from '@daedalus/contracts';

/** What the coordinator concludes once every node finished a phase. */
export type PhaseVerdict = { ok: true; context?: Record<string, unknown> } | { ok: false; error: string };

/** One step of a multi-phase operation: every target runs it, or only one of them (e.g. a cluster-wide commit). */
export interface PhasePlan {
  name: string;
  on: 'all' | 'one';
  /** share of the operation's progress this phase accounts for */
  weight: number;
  /**
   * Whether a cancel may stop the operation before this phase starts (default true). A restore may not stop
   * between truncating and importing: the data would stay truncated.
   */
  cancelBefore?: boolean;
  /** Checks the nodes' results of this phase together (e.g. they agree) and adds facts for later phases. */
  afterAll?: (results: Record<string, unknown>) => PhaseVerdict;
}

/**
 * How the coordinator runs one operation type: its phases, the facts fixed when it starts, and the
 * node-local request each node receives. Single-phase types use `singlePhasePlan`.
 */
export interface OperationPlan {
  /** empty = one unnamed phase on every target */
  phases(record: OperationRecord): PhasePlan[];
  context(
    record: OperationRecord,
    targets: NodeProgress[],
    registrations: NodeRegistration[],
    now: Date,
  ): Record<string, unknown> | undefined;
  nodeRequest(record: OperationRecord, node: NodeProgress): Record<string, unknown>;
}

/** The node-local copy of a request: not global, aimed at exactly this node. */
export function localCopy(record: OperationRecord, node: NodeProgress): Record<string, unknown> {
  return { ...record.request, id: record.id, globalRequest: false, hostId: node.hostId };
}

export const singlePhasePlan: OperationPlan = {
  phases: () => [],
  context: () => undefined,
  nodeRequest: localCopy,
};
