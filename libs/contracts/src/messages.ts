import { OperationState } from './lifecycle/operation-state';
import type { StoredPhaseResults } from './protocols/protocol';

/**
 * Message catalogue. Payloads are JSON; every message carries `schemaVersion`.
 * See docs/design.md for subjects, headers and who publishes / consumes each.
 */

/** On `daedalus.requests.submit`, with `Nats-Msg-Id: submit.<operationId>`. */
export interface SubmitOperationMessage {
  schemaVersion: string;
  operationId: string;
  /** The request as a client sent it (an Icarus operation request body); validated by the coordinator too. */
  request: Record<string, unknown>;
  submittedAt: string;
}

/** On `daedalus.requests.cancel`, with `Nats-Msg-Id: cancel.<operationId>`. */
export interface CancelOperationMessage {
  schemaVersion: string;
  operationId: string;
  requestedAt: string;
}

/**
 * On `daedalus.requests.resume`, with `Nats-Msg-Id: resume.<operationId>.<resumeCount>`: run a FAILED restore
 * again from the phase that failed (see operation-resume.ts for which ones). The coordinator records a refusal
 * in the record's `resumeRefused`.
 */
export interface ResumeOperationMessage {
  schemaVersion: string;
  operationId: string;
  /**
   * The record's `resumeCount` the requester saw (0 before the first resume). A message for an older count is
   * a repeat of a resume already done and changes nothing. Absent: resume whatever the count.
   */
  resumeCount?: number;
  requestedAt: string;
}

export type NodeCommandKind = 'run' | 'cancel';

/** On `daedalus.commands.<hostId>`. `request` is the node-local request (globalRequest false). */
export interface NodeCommandMessage {
  schemaVersion: string;
  kind: NodeCommandKind;
  operationId: string;
  hostId: string;
  type: string;
  request: Record<string, unknown>;
  /** For multi-phase operations (backup, restore): the phase this command runs. */
  phase?: string;
  /** Facts the coordinator fixed for the operation (e.g. the other participants of a backup): the protocol's context. */
  context?: Record<string, unknown>;
  /** The results of the phases before this one, by phase and host ID (a restore's DOWNLOAD reads its INIT). */
  phaseResults?: StoredPhaseResults;
  /** The operation's `resumeCount` when this command was issued (absent or 0 for the first run). */
  resume?: number;
  issuedAt: string;
}

export type NodeEventKind = 'started' | 'progress' | 'completed' | 'failed' | 'cancelled';

/** On `daedalus.events.<operationId>.<hostId>`. */
export interface NodeEventMessage {
  schemaVersion: string;
  kind: NodeEventKind;
  operationId: string;
  hostId: string;
  /** 0.0 to 1.0 */
  progress: number;
  phase?: string;
  message?: string;
  result?: unknown;
  at: string;
}

export const TERMINAL_EVENT_STATE: Readonly<Partial<Record<NodeEventKind, OperationState>>> = {
  completed: OperationState.COMPLETED,
  failed: OperationState.FAILED,
  cancelled: OperationState.CANCELLED,
};

/** Value in KV bucket `daedalus-nodes`, key = host ID, rewritten at every heartbeat. */
export interface NodeRegistration {
  schemaVersion: string;
  hostId: string;
  address: string;
  dc: string;
  rack: string;
  tokens: string[];
  clusterName: string;
  cassandraVersion: string;
  schemaVersionId: string;
  operationMode: string;
  dataDirectories: string[];
  agentVersion: string;
  startedAt: string;
  heartbeatAt: string;
  /**
   * The node's schema as the agent last read it: keyspace name → table names (system keyspaces included).
   * Lets the gateway refuse unknown names up front; absent from agents that predate it (then nothing is checked).
   */
  keyspaces?: Record<string, string[]>;
  /**
   * Each table's live id (32 hex) by "keyspace.table", read from the node (the Tables MBean's DataPaths, whose
   * directories are `<data dir>/<keyspace>/<table>-<id>`). A table dropped and created again keeps its old
   * directory beside the new one: only this id says which one Cassandra reads. Kept in the registration so
   * it is known while Cassandra is stopped (IN_PLACE restores).
   */
  tableIds?: Record<string, string>;
  /** What this agent was started to allow; absent means the defaults (all false). */
  capabilities?: AgentCapabilities;
}

export interface AgentCapabilities {
  /** started with --enable-truncate (Icarus registers truncate only then) */
  truncateEnabled: boolean;
}

export type NodeQueryKind = 'status' | 'versions' | 'topology' | 'schema';

/** Core NATS request on `daedalus.nodes.<hostId>.query`; the agent answers from JMX at request time. */
export interface NodeQueryMessage {
  schemaVersion: string;
  query: NodeQueryKind;
}

/** One node as the answering node's Cassandra sees it (gossip view). */
export interface LiveNodeView {
  hostId: string;
  address: string;
  dc: string;
  rack: string;
  /** up in the answering node's view (LiveNodesWithPort) */
  live: boolean;
}

export interface NodeQueryReply {
  schemaVersion: string;
  /** the answering node */
  hostId: string;
  ok: boolean;
  /** why the node could not answer (e.g. JMX unreachable) when ok is false */
  error?: string;
  status?: { operationMode: string };
  versions?: { cassandra: string; schema: string };
  topology?: { clusterName: string; schemaVersion: string; nodes: LiveNodeView[] };
  /** keyspace name → table names, read at request time (the registration's `keyspaces` may be a heartbeat old) */
  schema?: { keyspaces: Record<string, string[]> };
}

/** Request on `daedalus.backups.list`. */
export interface ListBackupsRequest {
  schemaVersion: string;
  storageLocation: string;
  lastN?: number;
  fromTimestamp?: number;
}

/** Reply on `daedalus.backups.list`: the backups, or an error that says whether the request was at fault. */
export type ListBackupsReply =
  { schemaVersion: string; ok: true; backups: unknown[] } | { schemaVersion: string; ok: false; invalid: boolean; error: string };
