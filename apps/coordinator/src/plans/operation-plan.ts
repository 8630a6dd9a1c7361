import {
  AnyProtocol,
  ContextOf,
  contextOf,
  NodeProgress,
  NodeRegistration,
  NodeResults,
  OperationRecord,
  Participant,
  PhaseOf,
  PhaseStep,
  PhaseVerdict,
  RequestOf,
  requestOf,
  ResultOf,
} from '@daedalus/contracts';

/**
 * How the coordinator runs one operation type: its phase steps, the facts fixed when it starts, and the
 * node-local request each node receives. Single-phase types use `singlePhasePlan`; multi-phase types build
 * theirs from their protocol with `phasedPlan`.
 */
export interface OperationPlan {
  /** empty = one unnamed phase on every target */
  phases(record: OperationRecord): PhaseStep[];
  context(
    record: OperationRecord,
    targets: NodeProgress[],
    registrations: NodeRegistration[],
    now: Date,
    /** down nodes the operation proceeds without (a global backup with `skipDownNodes`) */
    missing?: Participant[],
  ): Record<string, unknown> | undefined;
  nodeRequest(record: OperationRecord, node: NodeProgress): Record<string, unknown>;
}

/**
 * The node-local copy of a request: not global, aimed at exactly this node. `parallel` and `maintenanceWindow`
 * are the coordinator's alone (spent on when nodes take their turns; a node-local request refuses them).
 */
export function localCopy(record: OperationRecord, node: NodeProgress): Record<string, unknown> {
  const { parallel: _turns, maintenanceWindow: _window, ...request } = record.request;
  return { ...request, id: record.id, globalRequest: false, hostId: node.hostId };
}

export const singlePhasePlan: OperationPlan = {
  phases: () => [],
  context: () => undefined,
  nodeRequest: localCopy,
};

/** A cross-node check of one phase's results, typed by the protocol. */
export type PhaseCheck<P extends AnyProtocol, K extends PhaseOf<P>> = (results: NodeResults<ResultOf<P, K>>) => PhaseVerdict<ContextOf<P>>;

/**
 * What a multi-phase type's plan adds to its protocol (libs/contracts/src/protocols): only what the
 * coordinator needs — progress weights, cross-node checks, the context it fixes at the start and, when the
 * local copy is not enough, each node's request.
 */
export interface PhasedPlanSpec<P extends AnyProtocol> {
  protocol: P;
  /** each phase's share of the operation's progress, relative to the other phases a request runs */
  weights: { readonly [K in PhaseOf<P>]: number };
  afterAll?: { readonly [K in PhaseOf<P>]?: PhaseCheck<P, K> };
  context(
    request: RequestOf<P>,
    targets: NodeProgress[],
    registrations: NodeRegistration[],
    now: Date,
    missing: Participant[],
  ): ContextOf<P>;
  nodeRequest?(record: OperationRecord, node: NodeProgress, context: ContextOf<P> | undefined): Record<string, unknown>;
}

export function phasedPlan<P extends AnyProtocol>(spec: PhasedPlanSpec<P>): OperationPlan {
  const { protocol } = spec;
  const step = (name: PhaseOf<P>): PhaseStep => {
    // The lifecycle hands a check the results of its own phase, which the agents returned typed by the same
    // protocol: widening the check's parameter to the record's untyped results is safe here.
    const afterAll = spec.afterAll?.[name] as PhaseStep['afterAll'];
    return { name, ...protocol.rules[name], weight: spec.weights[name], ...(afterAll ? { afterAll } : {}) };
  };
  return {
    phases: (record) => protocol.sequence(requestOf(protocol, record)).map(step),
    context: (record, targets, registrations, now, missing = []) =>
      spec.context(requestOf(protocol, record), targets, registrations, now, missing),
    nodeRequest: (record, node) =>
      spec.nodeRequest ? spec.nodeRequest(record, node, contextOf(protocol, record.context)) : localCopy(record, node),
  };
}
