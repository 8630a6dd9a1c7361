import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ALL_NODE_STATES, ALL_OPERATION_STATES, NodeLiveness, NodeState, OperationState } from '@daedalus/contracts';

/**
 * What the gateway answers, as classes: the controllers and views are typed by them (so an answer cannot
 * leave out or mistype a declared field without failing the build) and their decorators are the served
 * OpenAPI's response schemas. One declaration for both; Icarus's names where Icarus has the shape.
 */

export class FieldErrorView {
  @ApiProperty({ description: 'the request field, parameter or header at fault' })
  field!: string;
  @ApiProperty()
  message!: string;
}

export class ErrorResponse {
  @ApiProperty({ type: 'integer', example: 400 })
  statusCode!: number;
  @ApiProperty({ example: 'Bad Request' })
  error!: string;
  @ApiProperty({ description: 'the messages of `errors`, joined' })
  message!: string;
  @ApiPropertyOptional({ type: [FieldErrorView], description: 'each offending field (every 4xx names one)' })
  errors?: FieldErrorView[];
}

export class OperationErrorView {
  @ApiProperty({ description: 'the node: `<hostId> (<address>)`, or `coordinator`' })
  source!: string;
  @ApiProperty()
  message!: string;
}

export class PreviousErrorView extends OperationErrorView {
  @ApiProperty({ type: 'integer', description: 'the run it happened in: 0 is the first run' })
  run!: number;
}

export class ResumeRefusalView {
  @ApiProperty({ format: 'date-time' })
  at!: string;
  @ApiProperty()
  reason!: string;
}

/** A webhook's delivery of the operation's final state (coordinator `--webhooks-file`; design.md "Notifications"). */
export class NotificationDeliveryView {
  @ApiProperty({ description: 'the same for every attempt and coordinator: receivers de-duplicate on it' })
  id!: string;
  @ApiProperty({ description: 'the configured webhook name' })
  webhook!: string;
  @ApiProperty({ enum: ['operation.final'] })
  event!: string;
  @ApiProperty({ enum: ['COMPLETED', 'FAILED', 'CANCELLED'] })
  operationState!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] })
  state!: string;
  @ApiProperty()
  attempts!: number;
  @ApiPropertyOptional()
  lastError?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  lastAttemptAt?: string;
}

export class NodeProgressView {
  @ApiProperty()
  hostId!: string;
  @ApiProperty()
  address!: string;
  @ApiProperty()
  dc!: string;
  @ApiProperty({
    enum: ALL_NODE_STATES,
    description:
      "the operation's states, WAITING: the node's turn in the phase has not come (`parallel`), no command sent yet, and PAUSED: " +
      'stopped at a safe point when the maintenance window closed, resumed in the next window',
  })
  state!: NodeState;
  @ApiProperty({ type: 'number', description: '0 to 1' })
  progress!: number;
  @ApiPropertyOptional({ description: 'the phase running (restore)' })
  phase?: string;
  @ApiPropertyOptional()
  message?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  startTime?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  completionTime?: string;
  @ApiPropertyOptional({ description: "this node's result of the phase (e.g. list output)" })
  result?: unknown;
}

/** A consistent backup's application pause (`consistency.pauseHooks`). */
export class PauseWindowView {
  @ApiProperty({ enum: ['PAUSING', 'PAUSED', 'RESUMING', 'RESUMED', 'RESUME_FAILED'] })
  state!: string;
  @ApiProperty({ description: 'the phase the pause covers (SNAPSHOT)' })
  covers!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object' },
    description: 'by hook name: {state: PAUSING|PAUSED|PAUSE_FAILED|RESUMED|RESUME_FAILED, pausedAt?, resumedAt?, error?}',
  })
  hooks!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time', description: 'when the pause calls went out' })
  requestedAt!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'when the last hook acknowledged' })
  pausedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  resumeClaimedAt?: string;
  @ApiPropertyOptional({ type: 'integer' })
  resumeRounds?: number;
  @ApiPropertyOptional({ description: 'why the window closed' })
  closeReason?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  resumedAt?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'how long the application stayed paused (from pausedAt, else requestedAt)' })
  lengthMs?: number;
}

/** Icarus's operation (its BaseOperation plus the request's fields), with Daedalus's `nodes` and resume facts. */
export class OperationView {
  /** the request's fields (secrets `[redacted]`), flattened beside the status fields as Icarus does */
  [requestField: string]: unknown;
  @ApiProperty({ description: 'the operation type (`backup`, `flush`, ...); the request fields sit beside it' })
  type!: string;
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'date-time' })
  creationTime!: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  startTime!: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  completionTime!: string | null;
  @ApiProperty({ enum: ALL_OPERATION_STATES })
  state!: OperationState;
  @ApiProperty({ type: 'number', description: '0 to 1 (a JSON number, as Icarus sends it)' })
  progress!: number;
  @ApiProperty({ type: [OperationErrorView] })
  errors!: OperationErrorView[];
  @ApiPropertyOptional({ description: 'who submitted it: `token:<name>`, `jwt:<subject>`, `mtls:<cn>` or `anonymous`' })
  submittedBy?: string;
  @ApiPropertyOptional({
    description:
      "the result once ended: one node's, or by host ID (by phase for a multi-phase type). A restore's `dryRun` answers " +
      '`{"PLAN": {<hostId>: plan}}`, each plan: backupName, sourceHostId, schemaVersion, strategy, tables, truncated, staging, ' +
      'download {files, bytes, fetchFiles, fetchBytes, list (at most 1000), listTruncated}, filesystems ' +
      '[{path, freeBytes, downloadBytes, removeBytes, freeAfterBytes, reserveBytes}], and for IN_PLACE inPlace ' +
      "{replaced, removeFiles, removeBytes, removeList, removeListTruncated, setAside, cassandraYaml}. A commitlog-backup's per " +
      "node: prefix, segments, uploadedSegments, uploadedBytes, alreadyStored, deletedFromArchive, newest; a commitlog-restore's: " +
      'restoreDirectory, propertiesFile, previousPropertiesKeptAs, restorePointInTime, segments, downloadedBytes, nextSteps. ' +
      "remove-backup: TOMBSTONE's `removed` and `refused` backups (409: a restore reads it), each node's SWEEP `swept` " +
      '(objects, bytes, keys) and `kept` (objects, bytes, reason); with `dry` the same plan, nothing changed',
  })
  response?: unknown;
  @ApiPropertyOptional()
  cancelRequested?: boolean;
  @ApiPropertyOptional({ type: [String], description: 'multi-phase operations: the phases in order' })
  phases?: string[];
  @ApiPropertyOptional({ description: 'the phase running now' })
  phase?: string;
  @ApiPropertyOptional({ type: 'integer' })
  resumeCount?: number;
  @ApiPropertyOptional({ format: 'date-time' })
  resumedAt?: string;
  @ApiPropertyOptional({ type: [PreviousErrorView] })
  previousErrors?: PreviousErrorView[];
  @ApiPropertyOptional({ type: ResumeRefusalView })
  resumeRefused?: ResumeRefusalView;
  @ApiPropertyOptional({ type: PauseWindowView, description: 'a consistent backup: the application pause window' })
  pauseWindow?: PauseWindowView;
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'a completed global backup to a location with a retention policy: the `remove-backup` operation that applies it',
  })
  retentionOperationId?: string;
  @ApiPropertyOptional({ type: [NotificationDeliveryView], description: 'webhook deliveries of the final state' })
  notifications?: NotificationDeliveryView[];
  @ApiProperty({ type: [NodeProgressView], description: 'each target node (empty until the targets are resolved)' })
  nodes!: NodeProgressView[];
}

/** Icarus's SidecarVersion. */
export class SidecarVersionView {
  @ApiProperty({ example: '0.1.0' })
  version!: string;
}

/** Where a cluster answer came from: `live` (an agent asked now) or `registry` (its last registration). */
export class ProvenanceView {
  @ApiProperty({ enum: ['live', 'registry'] })
  source!: 'live' | 'registry';
  @ApiPropertyOptional({ format: 'date-time', description: 'registry: when that node last heartbeated' })
  asOf?: string;
  @ApiPropertyOptional({ description: 'registry: why no agent answered' })
  reason?: string;
}

/** Icarus's CassandraStatus. */
export class CassandraStatusView extends ProvenanceView {
  @ApiProperty({ description: "Cassandra's operation mode (NORMAL, JOINING, DRAINED, ...)" })
  nodeState!: string;
}

/** Icarus's CassandraVersion, with the release string. */
export class CassandraVersionResponse extends ProvenanceView {
  @ApiProperty({ type: 'integer' })
  major!: number;
  @ApiProperty({ type: 'integer' })
  minor!: number;
  @ApiProperty({ type: 'integer' })
  patch!: number;
  @ApiProperty({ type: 'integer', description: "DataStax Enterprise's fourth number; -1 for Apache Cassandra" })
  dsePatch!: number;
  @ApiProperty({ type: [String] })
  preReleaseLabels!: string[];
  @ApiProperty({ example: '4.1.7' })
  version!: string;
}

/** Icarus's CassandraSchemaVersion. */
export class CassandraSchemaVersionView extends ProvenanceView {
  @ApiProperty({ format: 'uuid' })
  schemaVersion!: string;
}

/** Icarus's NodeTopology, with the node's mode and gossip's liveness. */
export class NodeTopologyView {
  @ApiProperty()
  hostname!: string;
  @ApiProperty({ type: 'string', nullable: true })
  cluster!: string | null;
  @ApiProperty()
  dc!: string;
  @ApiProperty()
  rack!: string;
  @ApiProperty()
  nodeId!: string;
  @ApiProperty()
  ipAddress!: string;
  @ApiProperty({ type: 'string', nullable: true })
  operationMode!: string | null;
  @ApiProperty()
  alive!: boolean;
}

/** Icarus's ClusterTopology. */
export class ClusterTopologyView extends ProvenanceView {
  @ApiProperty({ type: 'number', description: 'epoch milliseconds' })
  timestamp!: number;
  @ApiProperty({ type: 'string', nullable: true })
  clusterName!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  schemaVersion!: string | null;
  @ApiProperty({ type: [NodeTopologyView] })
  topology!: NodeTopologyView[];
  @ApiPropertyOptional({ description: 'live: the host ID of the agent that answered' })
  answeredBy?: string;
}

export class BackupNodeView {
  @ApiProperty()
  hostId!: string;
  @ApiProperty()
  dc!: string;
}

export class MissingNodeView extends BackupNodeView {
  @ApiProperty()
  address!: string;
}

/** The latest verify of a backup's nodes (the `verify` operation; a Daedalus extension). */
export class BackupVerificationView {
  @ApiProperty({
    enum: ['passed', 'failed', 'partial'],
    description: "failed: some node's latest verify failed; passed: every node's latest passed; partial: some nodes never verified",
  })
  state!: 'passed' | 'failed' | 'partial';
  @ApiProperty({ enum: ['quick', 'full'], description: 'full only when every latest result was a full verify' })
  mode!: 'quick' | 'full';
  @ApiProperty({ format: 'date-time', description: 'failed: the newest failure; else the oldest of the latest results' })
  at!: string;
  @ApiProperty({ type: 'integer' })
  nodesVerified!: number;
}

/** One backup under a storage location (GET /backups; a Daedalus extension). */
export class BackupSummaryView {
  @ApiProperty()
  name!: string;
  @ApiProperty()
  snapshotTag!: string;
  @ApiProperty()
  cluster!: string;
  @ApiProperty({ format: 'date-time', description: 'when the backup started' })
  time!: string;
  @ApiPropertyOptional({ format: 'date-time' })
  endTime?: string;
  @ApiProperty({ enum: ['cluster', 'node'], description: 'cluster: a global backup; node: a node-local one' })
  scope!: 'cluster' | 'node';
  @ApiProperty({ type: 'integer' })
  nodesComplete!: number;
  @ApiProperty({ type: 'integer' })
  nodesExpected!: number;
  @ApiProperty({ type: 'integer', description: 'bytes of every file the backup references' })
  totalBytes!: number;
  @ApiProperty({ type: 'integer', description: 'bytes this backup uploaded itself' })
  addedBytes!: number;
  @ApiProperty()
  complete!: boolean;
  @ApiProperty({ type: [BackupNodeView] })
  nodes!: BackupNodeView[];
  @ApiPropertyOptional({ description: 'a global backup taken without the nodes that were down' })
  partial?: boolean;
  @ApiPropertyOptional({ type: [MissingNodeView] })
  missingNodes?: MissingNodeView[];
  @ApiPropertyOptional({ type: BackupVerificationView, description: 'the latest verify, when one ran' })
  verified?: BackupVerificationView;
}

/** One node as GET /nodes lists it (a Daedalus extension). */
export class NodeListingView {
  @ApiProperty()
  hostId!: string;
  @ApiProperty()
  address!: string;
  @ApiProperty({ type: 'string', nullable: true })
  dc!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  rack!: string | null;
  @ApiProperty({ enum: ['live', 'down', 'departed'] })
  state!: NodeLiveness;
  @ApiPropertyOptional()
  reason?: string;
  @ApiProperty({ description: 'false for a member of the token ring no agent registered' })
  registered!: boolean;
  @ApiProperty({ type: 'string', nullable: true })
  operationMode!: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  heartbeatAt!: string | null;
  @ApiProperty({ type: 'integer', nullable: true })
  heartbeatAgeMs!: number | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'as its agent last registered it', example: '4.1.7' })
  cassandraVersion!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'the version of its node agent' })
  agentVersion!: string | null;
}
