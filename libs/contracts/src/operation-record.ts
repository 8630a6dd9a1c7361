import { OperationState } from './lifecycle/operation-state';
import type { NodeState } from './lifecycle/node-state';
import type { StoredPhaseResults } from './protocols/protocol';
import type { PauseWindow } from './lifecycle/pause-window';
import type { RestoreLedger } from './protocols/restore.protocol';
import type { OperationRequest } from './requests/index';

/** One entry of an operation's `errors`, as Icarus reports it: `source` names the node. */
export interface OperationError {
  source: string;
  message: string;
}

/** An error of an earlier run of a resumed operation: kept for the record, no longer counting. */
export interface PreviousError extends OperationError {
  /** the run it happened in: 0 is the first run, n the run after the n-th resume */
  run: number;
}

/** What the coordinator knows of one node's part in an operation. */
export interface NodeProgress {
  hostId: string;
  address: string;
  dc: string;
  /** the operation's states, and WAITING while its turn has not come (`parallel`): see lifecycle/node-state.ts */
  state: NodeState;
  progress: number;
  /** Current phase for multi-phase operations (restore), else absent. */
  phase?: string;
  message?: string;
  startTime?: string;
  completionTime?: string;
  /** What the node returned for this phase (e.g. list output); gathered into the record when the phase ends. */
  result?: unknown;
  /**
   * `requestDigest` of the node-local request the coordinator's plan sends this node in this phase: the agent
   * runs a command only when its request has this digest (see "Defence in depth" in docs/design.md).
   */
  requestDigest?: string;
  /**
   * The node's round in this phase: absent (0) for its first run, one more each time a maintenance window
   * re-admits it after a pause (PAUSED → PENDING). Commands and events carry it, and it is in their message ids,
   * so a re-sent `run` or a second `started` is not dropped as a duplicate, and an event of an earlier round
   * changes nothing.
   */
  round?: number;
}

/**
 * A record's seal: written by a coordinator or agent holding the signing key (`--command-signing-key-file`)
 * with every update. `mac` is an HMAC-SHA256 of the record (without its seal) and of `revision`, the KV
 * revision the update was written at, so neither a record made up by another client nor an older copy of a
 * true record written again verifies.
 */
export interface RecordSeal {
  revision: number;
  mac: string;
}

/**
 * The durable operation record (KV bucket `daedalus-operations`, key = id). The gateway presents it in
 * Icarus's shape: request fields flattened beside the status fields.
 */
export interface OperationRecord {
  schemaVersion: string;
  id: string;
  type: string;
  state: OperationState;
  progress: number;
  creationTime: string;
  startTime?: string;
  completionTime?: string;
  errors: OperationError[];
  /** The validated request, as submitted (after lenient normalisation). */
  request: OperationRequest;
  /**
   * Who submitted it, as the gateway authenticated them: `<method>:<name>` (`token:ci-bot`, `mtls:host-1`,
   * `jwt:alice`) or `anonymous`. Absent for a request submitted straight over NATS without it.
   */
  submittedBy?: string;
  /** Per-node state, keyed by host ID; set once the coordinator resolved the targets. */
  nodes?: Record<string, NodeProgress>;
  /** Multi-phase operations: the phases in order and the one running now (node states are for it). */
  phases?: string[];
  phase?: string;
  /**
   * Facts the coordinator fixed when it started the operation (e.g. the backup's name), and facts its
   * cross-node checks added after a phase: the protocol's context DTO (libs/contracts/src/protocols).
   */
  context?: Record<string, unknown>;
  /**
   * Multi-phase operations: each finished phase's node results, by phase and host ID (the protocol's result
   * DTOs). Commands of later phases carry them (a restore's TRUNCATE needs every node's INIT), the
   * coordinator's cross-node checks read them, and a resume keeps them. Internal: clients read `response`.
   */
  phaseResults?: StoredPhaseResults;
  /** A restore's ledger: what was truncated and imported, so that neither happens twice (see RestoreLedger). */
  restoreLedger?: RestoreLedger;
  cancelRequested?: boolean;
  /** A cluster-consistent backup's application pause (`consistency.pauseHooks`): see lifecycle/pause-window.ts. */
  pauseWindow?: PauseWindow;
  /**
   * How many times a FAILED operation was resumed (POST /operations/{id}/resume), and when last. Commands of a
   * resumed run carry the count, so their message ids differ from the first run's.
   */
  resumeCount?: number;
  resumedAt?: string;
  /** `errors` of the runs before the last resume, with the run they belong to. */
  previousErrors?: PreviousError[];
  /**
   * A completed global backup to a location with a retention policy: the `remove-backup` a coordinator submitted
   * to apply it (`retentionOperationId(id)`; coordinator-written).
   */
  retentionOperationId?: string;
  /** The last resume request the coordinator refused (direct NATS clients read why here); cleared by a resume. */
  resumeRefused?: { at: string; reason: string };
  /**
   * Icarus's `response`, written when the operation ends: a single node's result (e.g. list output), or the
   * results by host ID; for a multi-phase operation, the results of the phases that ran, by phase and host ID.
   */
  response?: unknown;
  /**
   * Webhook deliveries of the operation's final states (see design.md "Notifications"): claimed by compare-and-set
   * before the first attempt, so each is sent by one coordinator; updated after every attempt.
   */
  notifications?: NotificationDelivery[];
  /** Written by the services that hold the signing key, with every update (see RecordSeal); never shown to clients. */
  seal?: RecordSeal;
}

/** One webhook's delivery of one final state. Never holds the webhook's URL or secret: its configured name. */
export interface NotificationDelivery {
  /** `<operation id>.<state>.r<resume count>.<webhook name>`: the same on every coordinator and attempt */
  id: string;
  webhook: string;
  event: string;
  /** the final state delivered */
  operationState: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError?: string;
  lastAttemptAt?: string;
}

export function errorSource(node: Pick<NodeProgress, 'hostId' | 'address'>): string {
  return `${node.hostId} (${node.address})`;
}

/** A new record as the gateway or a coordinator first writes it (create-only, so both may try). */
export function newOperationRecord(
  id: string,
  request: OperationRequest,
  now: Date,
  schemaVersion: string,
  submittedBy?: string,
): OperationRecord {
  return {
    schemaVersion,
    id,
    type: request.type,
    state: OperationState.PENDING,
    progress: 0,
    creationTime: now.toISOString(),
    errors: [],
    request,
    ...(submittedBy !== undefined ? { submittedBy } : {}),
  };
}
