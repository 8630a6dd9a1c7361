/**
 * Every Daedalus metric, named once (as naming.ts names subjects): its name, help text, type and label names.
 * Label values are bounded sets: operation types, states, host IDs, dcs, cluster names, provider names, JMX
 * operation names our code calls. Never an operation id, an object key, a keyspace or a table.
 *
 * Which service exports which: the gateway counts submissions; the coordinator decides record states, so it
 * alone counts finished operations, durations and last successes (each transition is written by exactly one
 * coordinator's compare-and-set, see docs/design.md "Metrics and alerts"); the agent counts bytes, JMX calls
 * and storage requests.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition<L extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly L[];
  readonly buckets?: readonly number[];
}

function metric<L extends string>(definition: MetricDefinition<L>): MetricDefinition<L> {
  return definition;
}

/** seconds: an operation runs from seconds (flush) to a day (a large backup) */
const OPERATION_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600];
/** seconds: a JMX call is milliseconds, a slow one (snapshot, forceKeyspaceFlush) seconds to minutes */
const JMX_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export const METRICS = {
  operationsSubmitted: metric({
    name: 'daedalus_operations_submitted_total',
    help: 'operations the gateway accepted and published, by type',
    type: 'counter',
    labelNames: ['type'],
  }),
  operationsFinished: metric({
    name: 'daedalus_operations_finished_total',
    help: 'operations that reached a final state (COMPLETED, FAILED, CANCELLED), counted by the coordinator that wrote it',
    type: 'counter',
    labelNames: ['type', 'state'],
  }),
  operationDuration: metric({
    name: 'daedalus_operation_duration_seconds',
    help: 'time from start to final state of finished operations',
    type: 'histogram',
    labelNames: ['type', 'state'],
    buckets: OPERATION_BUCKETS,
  }),
  operationsRunning: metric({
    name: 'daedalus_operations_running',
    help: 'operations not finished yet, by type and state (read from the active index at scrape)',
    type: 'gauge',
    labelNames: ['type', 'state'],
  }),
  operationsPastTimeout: metric({
    name: 'daedalus_operations_past_timeout',
    help: 'unfinished operations running longer than their timeout (the sweeper should have failed them)',
    type: 'gauge',
    labelNames: ['type'],
  }),
  nodeRunningOperations: metric({
    name: 'daedalus_node_running_operations',
    help: 'unfinished node entries of running operations, per node',
    type: 'gauge',
    labelNames: ['dc', 'host_id'],
  }),
  nodeHeartbeatAge: metric({
    name: 'daedalus_node_heartbeat_age_seconds',
    help: "age of each registered node's last heartbeat, by the NATS server's clock",
    type: 'gauge',
    labelNames: ['cluster', 'dc', 'host_id'],
  }),
  consumerPending: metric({
    name: 'daedalus_consumer_pending_messages',
    help: 'messages of a durable consumer not delivered yet (JetStream consumer info)',
    type: 'gauge',
    labelNames: ['stream', 'consumer'],
  }),
  consumerAckPending: metric({
    name: 'daedalus_consumer_ack_pending_messages',
    help: 'messages of a durable consumer delivered and not acknowledged yet',
    type: 'gauge',
    labelNames: ['stream', 'consumer'],
  }),
  consumerRedelivered: metric({
    name: 'daedalus_consumer_redelivered_messages',
    help: 'messages of a durable consumer delivered more than once and not acknowledged yet',
    type: 'gauge',
    labelNames: ['stream', 'consumer'],
  }),
  deadLetters: metric({
    name: 'daedalus_dead_letter_messages',
    help: 'messages in the dead-letter stream',
    type: 'gauge',
    labelNames: [],
  }),
  scrapeErrors: metric({
    name: 'daedalus_metrics_collect_errors_total',
    help: 'scrape-time collections that failed or timed out (their gauges keep their previous values)',
    type: 'counter',
    labelNames: ['collector'],
  }),
  lastSuccessfulBackup: metric({
    name: 'daedalus_last_successful_backup_timestamp_seconds',
    help: "when the node's part of a backup last completed (unix seconds)",
    type: 'gauge',
    labelNames: ['cluster', 'dc', 'host_id'],
  }),
  lastSuccessfulClusterBackup: metric({
    name: 'daedalus_last_successful_cluster_backup_timestamp_seconds',
    help: 'when a backup of every registered node of the cluster last completed (unix seconds)',
    type: 'gauge',
    labelNames: ['cluster'],
  }),
  lastSuccessfulVerify: metric({
    name: 'daedalus_last_successful_verify_timestamp_seconds',
    help: "when the node's part of a verify last completed (unix seconds)",
    type: 'gauge',
    labelNames: ['cluster', 'dc', 'host_id'],
  }),
  lastSuccessfulClusterVerify: metric({
    name: 'daedalus_last_successful_cluster_verify_timestamp_seconds',
    help: 'when a verify of every registered node of the cluster last completed (unix seconds)',
    type: 'gauge',
    labelNames: ['cluster'],
  }),
  bytesUploaded: metric({
    name: 'daedalus_bytes_uploaded_total',
    help: "bytes a node's agent uploaded, counted when its part of an operation ends",
    type: 'counter',
    labelNames: ['type'],
  }),
  bytesSkipped: metric({
    name: 'daedalus_bytes_skipped_dedup_total',
    help: 'bytes not uploaded because the store already held them (an earlier backup has the same file)',
    type: 'counter',
    labelNames: ['type'],
  }),
  bytesDownloaded: metric({
    name: 'daedalus_bytes_downloaded_total',
    help: "bytes a node's agent downloaded, counted when its part of an operation ends",
    type: 'counter',
    labelNames: ['type'],
  }),
  jmxCallDuration: metric({
    name: 'daedalus_jmx_call_duration_seconds',
    help: 'JMX calls through the bridge, by call and MBean operation or attribute name',
    type: 'histogram',
    labelNames: ['call', 'name'],
    buckets: JMX_BUCKETS,
  }),
  jmxCallErrors: metric({
    name: 'daedalus_jmx_call_errors_total',
    help: 'JMX calls through the bridge that failed',
    type: 'counter',
    labelNames: ['call', 'name'],
  }),
  storageRequests: metric({
    name: 'daedalus_storage_requests_total',
    help: 'storage requests by provider and request kind (retries count once each)',
    type: 'counter',
    labelNames: ['provider', 'request'],
  }),
  storageRequestErrors: metric({
    name: 'daedalus_storage_request_errors_total',
    help: 'storage requests that failed, by provider, request kind and error class',
    type: 'counter',
    labelNames: ['provider', 'request', 'class'],
  }),
  webhookDeliveries: metric({
    name: 'daedalus_webhook_deliveries_total',
    help: 'alert webhook deliveries settled by this coordinator, by event and outcome (delivered, failed)',
    type: 'counter',
    labelNames: ['event', 'state'],
  }),
} as const;

/** Every metric name Daedalus exports (without the `_bucket`/`_sum`/`_count` series of histograms). */
export const METRIC_NAMES: readonly string[] = Object.values(METRICS).map((m) => m.name);

/** Process metrics prom-client adds (CPU, memory, event loop) carry this prefix. */
export const PROCESS_METRIC_PREFIX = 'daedalus_process_';
