import type { OperationRecord } from '../operation-record';
import type { BaseOperationRequest } from '../requests/common';

/**
 * The phase protocol of a multi-phase operation type, declared once here and used by both sides: the
 * coordinator's plan (which adds only progress weights and cross-node checks) and the agent's executor (a
 * table of one handler per phase). The compiler checks that both cover exactly the protocol's phases and
 * agree on what each phase returns.
 */

/** Where a phase runs: on every target, or on one of them (the context's `leader` when it names one, else the first). */
export type PhaseTarget = 'all' | 'one';

/** What coordinator and agent both must know of one phase. */
export interface PhaseRules {
  readonly on: PhaseTarget;
  /**
   * A cancel requested while an earlier phase ran stops the operation before this phase starts. False once the
   * operation must finish whatever happens (a restore after its TRUNCATE: the data has to come back).
   */
  readonly cancelBefore: boolean;
  /**
   * The agent honours a cancel in this phase: a command not started yet reports `cancelled`, a running one stops
   * at its next safe point. False when the work cannot be stopped safely, or not at all (Cassandra's truncate).
   */
  readonly cancelDuring: boolean;
  /**
   * The phase honours the request's `parallel`: at most n nodes of a data center run it at once, the others
   * WAIT for their turn (docs/design.md "Gentle on the cluster"). Absent: every target runs it at once.
   */
  readonly parallel?: boolean;
  /**
   * When a maintenance window closes while a node runs this phase, the node is paused at its next safe point
   * (the cancel's: the phase must be `cancelDuring` and take turns, `parallel`) and runs the phase again in the
   * next window, reusing what it already did (a backup's uploaded objects, a restore's downloaded files).
   * Absent: a node that started runs the phase to its end (a `one` phase, or work that must not stop mid-way).
   */
  readonly pausable?: boolean;
}

/** One phase's results by host ID (a node that had no work in a 'one' phase has none). */
export type NodeResults<Result> = Record<string, Result>;

/** A node taking part in an operation, as the coordinator names it in a context. */
export type Participant = { hostId: string; address: string; dc: string };

/**
 * One operation type's protocol. `Phases` is the const tuple of every phase name in running order, `Context`
 * what the coordinator fixes when the operation starts (and what its cross-node checks add later), `Results`
 * what each phase returns on one node. All are JSON DTOs; declare the context as a type alias (not an interface)
 * so that it stays assignable to the record's plain JSON `context`.
 */
export interface OperationProtocol<
  Request extends BaseOperationRequest = BaseOperationRequest,
  Phases extends readonly string[] = readonly string[],
  Context extends Record<string, unknown> = Record<string, unknown>,
  Results extends { [K in Phases[number]]: unknown } = { [K in Phases[number]]: unknown },
> {
  readonly type: Request['type'];
  readonly phases: Phases;
  readonly rules: { readonly [K in Phases[number]]: PhaseRules };
  /** The phases a request runs, in order. Empty: one unnamed phase, as for a single-phase type. */
  sequence(request: Request): ReadonlyArray<Phases[number]>;
  /** The phase an agent runs for a command that names none (a request `sequence` gives no phases). */
  readonly unnamedPhase?: Phases[number];
  /** Never set: carries the request, context and result types for the compiler. */
  readonly types?: { request: Request; context: Context; results: Results };
}

/** Any protocol, whatever its types (each concrete protocol is assignable to it). */
export type AnyProtocol = OperationProtocol;

type TypesOf<P extends AnyProtocol> = NonNullable<P['types']>;
export type PhaseOf<P extends AnyProtocol> = P['phases'][number];
export type RequestOf<P extends AnyProtocol> = TypesOf<P>['request'];
export type ContextOf<P extends AnyProtocol> = TypesOf<P>['context'];
export type ResultOf<P extends AnyProtocol, K extends PhaseOf<P>> = TypesOf<P>['results'] extends infer R
  ? K extends keyof R
    ? R[K]
    : never
  : never;

/** The results of the phases that ran so far, by phase and then by host ID. */
export type PhaseResults<P extends AnyProtocol> = { [K in PhaseOf<P>]?: NodeResults<ResultOf<P, K>> };

/** How results of every phase are kept in the record and travel in commands, untyped (JSON). */
export type StoredPhaseResults = Record<string, NodeResults<unknown>>;

export function isPhaseOf<P extends AnyProtocol>(protocol: P, name: string | undefined): name is PhaseOf<P> {
  return name !== undefined && protocol.phases.includes(name);
}

/** The record's request as the protocol's type; the record's `type` selects the protocol, so a mismatch is a bug. */
export function requestOf<P extends AnyProtocol>(protocol: P, record: OperationRecord): RequestOf<P> {
  if (record.request.type !== protocol.type)
    throw new Error(`a ${record.request.type} request does not follow the ${protocol.type} protocol`);
  return record.request as RequestOf<P>;
}

/**
 * The places where untyped JSON (the record in KV, a command off the wire) becomes the protocol's types. The
 * coordinator wrote both from the same protocol (its plan's `context`, the agents' typed results), so they
 * are trusted here rather than validated field by field.
 */
export function contextOf<P extends AnyProtocol>(_protocol: P, context: Record<string, unknown> | undefined): ContextOf<P> | undefined {
  return context as ContextOf<P> | undefined;
}

export function phaseResultsOf<P extends AnyProtocol>(_protocol: P, results: StoredPhaseResults | undefined): PhaseResults<P> {
  return (results ?? {}) as PhaseResults<P>;
}
