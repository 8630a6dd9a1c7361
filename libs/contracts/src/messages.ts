import 'reflect-metadata';
import {
  Allow,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { Doc, IsSchemaVersion, Nested, Opaque } from './message-dto';
import { OperationState } from './lifecycle/operation-state';
import { LowercaseId } from './requests/lenient';
import type { StoredPhaseResults } from './protocols/protocol';
import type { AgentRoots } from './paths';
import { RESTORE_LEDGER_ENTRIES } from './protocols/restore.protocol';
import type { RestoreLedgerEntry, RestoreLedgerFact } from './protocols/restore.protocol';

/**
 * Message catalogue. Payloads are JSON; every message carries `schemaVersion`. Each message is a DTO class:
 * the transport validates what it receives against it (a message that is not one is dead-lettered with the
 * reasons), and the AsyncAPI document is generated from it. `catalogue.ts` says which subject carries which.
 * See docs/design.md for subjects, headers and who publishes / consumes each.
 */

const SCHEMA_VERSION_DOC = 'major.minor; a consumer accepts any minor of a major it knows and dead-letters other majors';
const TIME = { format: 'date-time' };
const WHOLE = (field: string) => `${field} must be a whole number of 0 or more`;

/** On `daedalus.requests.submit`, with `Nats-Msg-Id: submit.<operationId>`. */
@Doc('Run an operation. The request is validated by the coordinator: an invalid one becomes a FAILED record naming the field.')
export class SubmitOperationMessage {
  @Doc(SCHEMA_VERSION_DOC)
  @IsSchemaVersion()
  schemaVersion!: string;

  @Doc('a UUID the client chooses: a repeat with the same id is one operation (ids are kept in lower case)')
  @LowercaseId()
  @IsUUID()
  operationId!: string;

  /**
   * The request as a client sent it (an Icarus operation request body). Not checked here: the coordinator
   * validates it, and an invalid one becomes a FAILED record naming the field, as the gateway would answer.
   */
  @Doc(
    'an Icarus operation request body (as for POST /operations); an invalid one becomes a FAILED record naming the field. ' +
      'Its secrets (kmsKeyId, proxySettings.proxyUsername, proxySettings.proxyPassword) must be sealed with the request ' +
      'secrets key (sealed:v1:<keyId>:<base64url>, see docs/design.md "Secrets in requests"): a plain one fails the request',
    { type: 'object' },
  )
  @Opaque()
  request!: Record<string, unknown>;

  @Doc('when the client submitted it', TIME)
  @IsOptional()
  @IsString()
  submittedAt!: string;

  @Doc(
    "who submitted it, as the gateway authenticated them (`token:ci-bot`, `mtls:<CN>`, `jwt:<sub>`, `anonymous`); kept in the record's submittedBy",
  )
  @IsOptional()
  @IsString()
  @MaxLength(200)
  submittedBy?: string;
}

/** On `daedalus.requests.cancel`, with `Nats-Msg-Id: cancel.<operationId>`. */
@Doc('Cancel an operation: PENDING ones end at once, running nodes stop at a safe point.')
export class CancelOperationMessage {
  @Doc(SCHEMA_VERSION_DOC)
  @IsSchemaVersion()
  schemaVersion!: string;

  @LowercaseId()
  @IsUUID()
  operationId!: string;

  @Doc('when the client asked', TIME)
  @IsOptional()
  @IsString()
  requestedAt!: string;
}

/**
 * On `daedalus.requests.resume`, with `Nats-Msg-Id: resume.<operationId>.<resumeCount>`: run a FAILED restore
 * again from the phase that failed (see operation-resume.ts for which ones). The coordinator records a refusal
 * in the record's `resumeRefused`.
 */
@Doc(
  'Resume a FAILED cluster-wide restore (IMPORT or HARDLINKS) that reached TRUNCATE from the phase that failed. ' +
    'A refusal is written to the record as `resumeRefused`.',
)
export class ResumeOperationMessage {
  @Doc(SCHEMA_VERSION_DOC)
  @IsSchemaVersion()
  schemaVersion!: string;

  @LowercaseId()
  @IsUUID()
  operationId!: string;

  /**
   * The record's `resumeCount` the requester saw (0 before the first resume). A message for an older count is
   * a repeat of a resume already done and changes nothing. Absent: resume whatever the count.
   */
  @Doc("the record's resumeCount the requester saw (0 before the first resume); a message for an older count changes nothing")
  @IsOptional()
  @IsInt({ message: WHOLE('resumeCount') })
  @Min(0, { message: WHOLE('resumeCount') })
  resumeCount?: number;

  @Doc('when the client asked', TIME)
  @IsOptional()
  @IsString()
  requestedAt!: string;
}

/** `pause`: stop at the next safe point because the maintenance window closed (docs/design.md "Gentle on the cluster"). */
export const NODE_COMMAND_KINDS = ['run', 'cancel', 'pause'] as const;
export type NodeCommandKind = (typeof NODE_COMMAND_KINDS)[number];

/** On `daedalus.commands.<hostId>`. `request` is the node-local request (globalRequest false). */
@Doc(
  "A coordinator's command to one node: run its part (of a phase) of an operation, cancel it, or pause it at a safe point (the maintenance window closed).",
)
export class NodeCommandMessage {
  @Doc(SCHEMA_VERSION_DOC)
  @IsSchemaVersion()
  schemaVersion!: string;

  @IsIn(NODE_COMMAND_KINDS)
  kind!: NodeCommandKind;

  @IsString()
  operationId!: string;

  @Doc('the Cassandra host ID of the node that runs it')
  @IsString()
  hostId!: string;

  @Doc('the operation type')
  @IsOptional()
  @IsString()
  type!: string;

  @Doc('the node-local copy of the request (globalRequest false, hostId set), as the operation plan builds it; its secrets sealed', {
    type: 'object',
  })
  @Allow()
  request!: Record<string, unknown>;

  /** For multi-phase operations (backup, restore): the phase this command runs. */
  @Doc('for multi-phase operations (backup, restore): the phase this command runs')
  @IsOptional()
  @IsString()
  phase?: string;

  /** Facts the coordinator fixed for the operation (e.g. the other participants of a backup): the protocol's context. */
  @Doc("facts the coordinator fixed for the operation (e.g. the participants of a backup): the operation protocol's context")
  @IsOptional()
  @IsObject()
  context?: Record<string, unknown>;

  /** The results of the phases before this one, by phase and host ID (a restore's DOWNLOAD reads its INIT). */
  @Doc('the results of the phases before this one, by phase and host ID', { type: 'object' })
  @IsOptional()
  @IsObject()
  phaseResults?: StoredPhaseResults;

  /** The operation's `resumeCount` when this command was issued (absent or 0 for the first run). */
  @Doc("the operation's resumeCount when issued (absent or 0 for the first run)")
  @IsOptional()
  @IsInt()
  @Min(0)
  resume?: number;

  /**
   * The node's round in this phase (`NodeProgress.round`): 0 or absent for its first run, one more each time a
   * maintenance window re-admits it after a pause. In the message id, so a re-sent `run` is not a duplicate.
   */
  @Doc("the node's round in the phase (absent or 0 for its first run; one more after each pause at a window's end)")
  @IsOptional()
  @IsInt()
  @Min(0)
  round?: number;

  @Doc('when the coordinator issued it', TIME)
  @IsOptional()
  @IsString()
  issuedAt!: string;

  /** HMAC-SHA256 of the rest of the command with the key coordinators and agents share (absent without a key). */
  @Doc(
    'HMAC-SHA256 (base64url) of the rest of the command with the signing key coordinators and agents share; absent when none is configured',
  )
  @IsOptional()
  @IsString()
  signature?: string;
}

/** `paused`: the node stopped at a safe point for a `pause` command (or had not started); it owes nothing until re-admitted. */
export const NODE_EVENT_KINDS = ['started', 'progress', 'completed', 'failed', 'cancelled', 'paused'] as const;
export type NodeEventKind = (typeof NODE_EVENT_KINDS)[number];

/** A restore's ledger fact, in a node's event: what the node did that must never be done twice. */
@Doc("What a node did in a restore that must never be done twice; coordinators fold it into the record's restoreLedger")
export class RestoreLedgerFactMessage implements RestoreLedgerFact {
  @Doc('truncated (in TRUNCATE: cluster-wide) or imported (in IMPORT: on this node)')
  @IsIn(RESTORE_LEDGER_ENTRIES)
  done!: RestoreLedgerEntry;

  @Doc('the target table, `<keyspace>.<table>`')
  @IsString()
  @MaxLength(300)
  @Matches(/^[^.\s]+\.[^.\s]+$/, { message: 'ledger.table must be <keyspace>.<table>' })
  table!: string;
}

/** On `daedalus.events.<operationId>.<hostId>`. */
@Doc("A node's progress in an operation, its result (completed, failed, cancelled) of a phase, or that it paused at the window's end.")
export class NodeEventMessage {
  @Doc(SCHEMA_VERSION_DOC)
  @IsSchemaVersion()
  schemaVersion!: string;

  @IsIn(NODE_EVENT_KINDS)
  kind!: NodeEventKind;

  @IsUUID()
  operationId!: string;

  @IsString()
  hostId!: string;

  /** 0.0 to 1.0 */
  @Doc("the node's progress (of the current phase), 0.0 to 1.0", { minimum: 0, maximum: 1 })
  @IsNumber()
  progress!: number;

  @IsOptional()
  @IsString()
  phase?: string;

  @IsOptional()
  @IsString()
  message?: string;

  @Doc("the node's result (of the phase), kept in the record")
  @IsOptional()
  result?: unknown;

  @Doc('when the node sent it', TIME)
  @IsOptional()
  @IsString()
  at!: string;

  /** A restore's ledger fact (a progress event sent, and stored by JetStream, before the node goes on). */
  @Doc("a restore's ledger fact: a table this node truncated (TRUNCATE) or imported (IMPORT); sent before the node goes on")
  @IsOptional()
  @Nested(() => RestoreLedgerFactMessage)
  ledger?: RestoreLedgerFactMessage;

  /** The command's `resume` (the operation's resumeCount) this event answers: a result of an earlier run is stale. */
  @Doc('the resumeCount of the command this event answers (absent or 0 for the first run)')
  @IsOptional()
  @IsInt()
  @Min(0)
  resume?: number;

  /** The command's `round` this event answers: an event of an earlier round (before a pause) changes nothing. */
  @Doc("the round of the command this event answers (absent or 0 for the node's first run in the phase)")
  @IsOptional()
  @IsInt()
  @Min(0)
  round?: number;

  /** HMAC-SHA256 of the rest of the event with the key coordinators and agents share (absent without a key). */
  @Doc(
    'HMAC-SHA256 (base64url) of the rest of the event with the signing key coordinators and agents share; absent when none is configured',
  )
  @IsOptional()
  @IsString()
  signature?: string;
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
  /**
   * The directories this agent lets requests reach (paths.ts): the gateway refuses a request naming a path
   * outside them. Absent from agents that predate it: then only the agent itself checks.
   */
  roots?: AgentRoots;
  /**
   * The token ring as this node's Cassandra sees it, read at every heartbeat: who is still a member. A node
   * that decommissioned, was removed or was replaced is missing from the ring of the others, which is how
   * coordinators tell a departed node from one that is only down (see `nodeStandings`). Absent from agents
   * that predate it, and while Cassandra does not answer.
   */
  ring?: RingView;
}

/** The members of the token ring (`HostIdToEndpointWithPort`) as one node saw them. */
export interface RingView {
  /** host ID → address (without the storage port) */
  members: Record<string, string>;
  /** when the agent read it (ISO-8601) */
  readAt: string;
}

export interface AgentCapabilities {
  /** started with --enable-truncate (Icarus registers truncate only then) */
  truncateEnabled: boolean;
}

export const NODE_QUERY_KINDS = ['status', 'versions', 'topology', 'schema', 'coverage', 'config'] as const;
export type NodeQueryKind = (typeof NODE_QUERY_KINDS)[number];

/** Core NATS request on `daedalus.nodes.<hostId>.query`; the agent answers from JMX at request time. */
@Doc('A live question to one node agent, answered from JMX at request time.')
export class NodeQueryMessage {
  @Doc(SCHEMA_VERSION_DOC)
  @IsSchemaVersion()
  schemaVersion!: string;

  @IsIn(NODE_QUERY_KINDS)
  query!: NodeQueryKind;

  /** coverage: the nodes that would take part (host IDs); ranges with no replica among them are reported */
  @Doc('coverage only: host IDs of the nodes that take part; a token range none of them replicates is reported')
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  hostIds?: string[];

  /** coverage: the request's `entities` ("ks1,ks2" or "ks.t1,ks.t2"); absent: every non-system keyspace */
  @Doc('coverage only: Icarus `entities` ("ks1,ks2" or "ks.t1,ks.t2"); absent: every non-system keyspace')
  @IsOptional()
  @IsString()
  entities?: string;
}

/** One node as the answering node's Cassandra sees it (gossip view). */
export class LiveNodeView {
  @IsString()
  hostId!: string;

  @IsString()
  address!: string;

  @IsString()
  dc!: string;

  @IsString()
  rack!: string;

  /** up in the answering node's view (LiveNodesWithPort) */
  @Doc("up in the answering node's view (LiveNodesWithPort)")
  @IsBoolean()
  live!: boolean;
}

export class NodeStatusView {
  @IsString()
  operationMode!: string;
}

export class NodeVersionsView {
  @IsString()
  cassandra!: string;

  @IsString()
  schema!: string;
}

export class NodeTopologyView {
  @IsString()
  clusterName!: string;

  @IsString()
  schemaVersion!: string;

  @Nested(() => LiveNodeView, { each: true })
  nodes!: LiveNodeView[];
}

export class NodeConfigView {
  @Doc('where the agent read cassandra.yaml (its --cassandra-config-dir)')
  @IsString()
  path!: string;

  @Doc('cassandra.yaml as text, secret values (passwords) replaced by "[redacted]"')
  @IsString()
  yaml!: string;
}

const KEYSPACE_MAP = { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } };

export class NodeSchemaView {
  @Doc('keyspace name → table names', KEYSPACE_MAP)
  @IsObject()
  keyspaces!: Record<string, string[]>;
}

/** One token range none of the given nodes replicates. */
export class UncoveredRangeView {
  @IsString()
  keyspace!: string;

  @Doc("Cassandra's range (start, end], as the tokens' strings")
  @IsArray()
  @IsString({ each: true })
  range!: string[];

  @Doc("host IDs of the range's replicas (none of them among the given nodes)")
  @IsArray()
  @IsString({ each: true })
  replicas!: string[];
}

export class RangeCoverageView {
  @Doc('the replicated keyspaces checked (LocalStrategy keyspaces have no replicas elsewhere and are skipped)')
  @IsArray()
  @IsString({ each: true })
  keyspaces!: string[];

  @Doc('how many ranges have no replica among the given nodes')
  @IsInt()
  @Min(0)
  uncoveredCount!: number;

  @Doc('the first of them (at most 20)')
  @Nested(() => UncoveredRangeView, { each: true })
  uncovered!: UncoveredRangeView[];
}

@Doc("The node agent's answer; `ok: false` with `error` when it could not read its node.")
export class NodeQueryReply {
  @Doc(SCHEMA_VERSION_DOC)
  @IsSchemaVersion()
  schemaVersion!: string;

  /** the answering node */
  @Doc('the answering node')
  @IsString()
  hostId!: string;

  @IsBoolean()
  ok!: boolean;

  /** why the node could not answer (e.g. JMX unreachable) when ok is false */
  @Doc('why the node could not answer (e.g. JMX unreachable) when ok is false')
  @IsOptional()
  @IsString()
  error?: string;

  @IsOptional()
  @Nested(() => NodeStatusView)
  status?: NodeStatusView;

  @IsOptional()
  @Nested(() => NodeVersionsView)
  versions?: NodeVersionsView;

  @IsOptional()
  @Nested(() => NodeTopologyView)
  topology?: NodeTopologyView;

  /** keyspace name → table names, read at request time (the registration's `keyspaces` may be a heartbeat old) */
  @Doc("read at request time (the registration's `keyspaces` may be a heartbeat old)")
  @IsOptional()
  @Nested(() => NodeSchemaView)
  schema?: NodeSchemaView;

  @Doc('token ranges (getRangeToEndpointWithPortMap) with no replica among the given nodes')
  @IsOptional()
  @Nested(() => RangeCoverageView)
  coverage?: RangeCoverageView;

  @Doc("the node's cassandra.yaml (GET /config)")
  @IsOptional()
  @Nested(() => NodeConfigView)
  config?: NodeConfigView;
}

/** Request on `daedalus.backups.list`. */
@Doc('Which backups are under a storage location; any one agent answers (queue group `agents`).')
export class ListBackupsRequest {
  @Doc(SCHEMA_VERSION_DOC)
  @IsSchemaVersion()
  schemaVersion!: string;

  @Doc('a storage location (s3://, gcp:// or gs://, azure://, file://), optionally ending in /<cluster>')
  @IsString()
  storageLocation!: string;

  @Doc('only the newest N')
  @IsOptional()
  @IsInt()
  @Min(0)
  lastN?: number;

  @Doc('only backups taken from this time on (epoch milliseconds)')
  @IsOptional()
  @IsInt()
  @Min(0)
  fromTimestamp?: number;
}

/**
 * The reply on `daedalus.backups.list` as one DTO (what the requester validates and the AsyncAPI document
 * shows): `ok: true` with `backups`, or `ok: false` with `invalid` (the request was at fault) and `error`.
 * Code reads it as the union `ListBackupsReply`.
 */
@Doc('The backups (`ok: true`), or why not (`ok: false`; `invalid` when the request was at fault).')
export class ListBackupsReplyMessage {
  @Doc(SCHEMA_VERSION_DOC)
  @IsSchemaVersion()
  schemaVersion!: string;

  @IsBoolean()
  ok!: boolean;

  @Doc('when ok: name, time, nodes complete / expected, total size, bytes added, complete', { type: 'array', items: { type: 'object' } })
  @ValidateIf((reply: ListBackupsReplyMessage) => reply.ok === true)
  @IsArray()
  backups?: unknown[];

  @Doc('when not ok: true when the request was at fault (a bad location), false when listing failed')
  @ValidateIf((reply: ListBackupsReplyMessage) => reply.ok === false)
  @IsBoolean()
  invalid?: boolean;

  @Doc('when not ok: true when the location names a bucket (or directory) that does not exist')
  @IsOptional()
  @IsBoolean()
  notFound?: boolean;

  @Doc('when not ok: why')
  @ValidateIf((reply: ListBackupsReplyMessage) => reply.ok === false)
  @IsString()
  error?: string;
}

/** Reply on `daedalus.backups.list`: the backups, or an error that says whether the request was at fault. */
export type ListBackupsReply =
  | { schemaVersion: string; ok: true; backups: unknown[] }
  | { schemaVersion: string; ok: false; invalid: boolean; notFound?: boolean; error: string };

/** One alert of an AlertNotification, as the webhooks are told of it (see alerts/alertmanager.ts). */
@Doc('one of Daedalus’s Prometheus alerts, mapped from Alertmanager')
export class RelayedAlertView {
  @Doc('the alert rule (labels.alertname), one of deploy/prometheus/daedalus-alerts.yml')
  @IsString()
  @MaxLength(128)
  name!: string;

  @IsIn(['firing', 'resolved'])
  status!: 'firing' | 'resolved';

  @Doc('labels.severity, null when absent')
  @ValidateIf((_, value) => value !== null)
  @IsString()
  severity!: string | null;

  @Doc('annotations.summary, null when absent')
  @ValidateIf((_, value) => value !== null)
  @IsString()
  summary!: string | null;

  @Doc('the alert’s labels but alertname (bounded at the gateway)', { type: 'object', additionalProperties: { type: 'string' } })
  @IsObject()
  labels!: Record<string, string>;

  @Doc('when the alert started firing', TIME)
  @IsString()
  startsAt!: string;

  @Doc('when it resolved; null while firing', TIME)
  @ValidateIf((_, value) => value !== null)
  @IsString()
  endsAt!: string | null;

  @Doc('Alertmanager’s fingerprint of the alert’s labels')
  @Matches(/^[0-9a-f]{1,64}$/)
  fingerprint!: string;
}

@Doc(
  'An Alertmanager webhook notification of Daedalus’s alerts, received by the gateway (POST /alerts/alertmanager) and ' +
    'delivered by a coordinator to the webhooks of the `alert` event.',
)
export class AlertNotificationMessage {
  @Doc(SCHEMA_VERSION_DOC)
  @IsSchemaVersion()
  schemaVersion!: string;

  @Doc('the de-duplication id: a hash of groupKey, status and each alert’s fingerprint, start and status')
  @Matches(/^[0-9a-f]{40}$/)
  id!: string;

  @Doc('when the gateway received it', TIME)
  @IsString()
  receivedAt!: string;

  @Doc('the Alertmanager receiver that sent it')
  @IsString()
  @MaxLength(128)
  receiver!: string;

  @IsArray()
  @Nested(() => RelayedAlertView, { each: true })
  alerts!: RelayedAlertView[];
}
