import { OperationState } from './operation-state';
import type { OperationRequest } from './requests';

/** One entry of an operation's `errors`, as Icarus reports it: `source` names the node. */
export interface OperationError {
  source: string;
  message: string;
}

/** What the coordinator knows of one node's part in an operation. */
export interface NodeProgress {
  hostId: string;
  address: string;
  dc: string;
  state: OperationState;
  progress: number;
  /** Current phase for multi-phase operations (restore), else absent. */
  phase?: string;
  message?: string;
  startTime?: string;
  completionTime?: string;
  /** Result data the node returned (e.g. list output). */
  result?: unknown;
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
  /** Per-node state, keyed by host ID; set once the coordinator resolved the targets. */
  nodes?: Record<string, NodeProgress>;
  /** Multi-phase operations: the phases in order and the one running now (node states are for it). */
  phases?: string[];
  phase?: string;
  /** Facts the coordinator fixed when it started the operation (e.g. the backup's name). */
  context?: Record<string, unknown>;
  cancelRequested?: boolean;
  /** Operation-level result (e.g. list output), when the type has one. */
  response?: unknown;
}

export function errorSource(node: Pick<NodeProgress, 'hostId' | 'address'>): string {
  return `${node.hostId} (${node.address})`;
}

/** A new record as the gateway or a coordinator first writes it (create-only, so both may try). */
export function newOperationRecord(id: string, request: OperationRequest, now: Date, schemaVersion: string): OperationRecord {
  return {
    schemaVersion,
    id,
    type: request.type,
    state: OperationState.PENDING,
    progress: 0,
    creationTime: now.toISOString(),
    errors: [],
    request,
  };
}
