import { isNodeDispatched, isTerminal, NodeRegistration, OperationRecord, OperationState } from '@daedalus/contracts';
import { METRICS, MetricDefinition, MetricsRegistry } from '@daedalus/common';
import { RegisteredNodeView } from '@daedalus/messaging';
import { operationDeadline } from '../handlers/heartbeat-sweeper';

type Scope = 'cluster' | 'dc' | 'host_id';

/** The operation types whose success is tracked per node and per cluster (verify: once that type exists). */
const LAST_SUCCESS: Record<string, { node: MetricDefinition<Scope>; cluster: MetricDefinition<'cluster'> }> = {
  backup: { node: METRICS.lastSuccessfulBackup, cluster: METRICS.lastSuccessfulClusterBackup },
  verify: { node: METRICS.lastSuccessfulVerify, cluster: METRICS.lastSuccessfulClusterVerify },
};

const UNKNOWN_CLUSTER = 'unknown';

/**
 * The coordinator's operation metrics, derived from record state changes: the coordinator decides them, and
 * the store tells it of each change it wrote, so a change counts once whichever replica wrote it. Last-success
 * gauges only move forward; each replica knows the successes it wrote and those it read at start-up
 * (`seed`), so dashboards and alerts take the max over replicas.
 */
export class OperationMetrics {
  /** the value of each last-success series, to keep only the latest */
  private readonly latest = new Map<string, number>();

  constructor(private readonly metrics: MetricsRegistry) {}

  /**
   * The finished series alerts watch start at 0: Prometheus's increase() cannot see a series' first value, so
   * a verify's first failure would go unnoticed if its series were born at 1.
   */
  zero(): void {
    for (const type of Object.keys(LAST_SUCCESS)) {
      for (const state of [OperationState.COMPLETED, OperationState.FAILED, OperationState.CANCELLED]) {
        this.metrics.counter(METRICS.operationsFinished).inc({ type, state }, 0);
      }
    }
  }

  /** A change written by this coordinator: counts an operation that reached its final state. */
  changed(before: OperationRecord, after: OperationRecord): boolean {
    if (isTerminal(before.state) || !isTerminal(after.state)) return false;
    const labels = { type: after.type, state: after.state };
    this.metrics.counter(METRICS.operationsFinished).inc(labels);
    const started = Date.parse(after.resumedAt ?? after.startTime ?? after.creationTime);
    const ended = Date.parse(after.completionTime ?? '');
    if (Number.isFinite(started) && Number.isFinite(ended) && ended >= started) {
      this.metrics.histogram(METRICS.operationDuration).observe(labels, (ended - started) / 1000);
    }
    return after.state === OperationState.COMPLETED && after.type in LAST_SUCCESS;
  }

  /**
   * A COMPLETED backup (or verify): each node whose part completed gets its completion time; a cluster gets
   * the operation's completion time when every node registered in it took part and completed.
   */
  succeeded(record: OperationRecord, registrations: readonly NodeRegistration[]): void {
    const gauges = LAST_SUCCESS[record.type];
    if (!gauges || record.state !== OperationState.COMPLETED) return;
    const clusterOf = new Map(registrations.map((r) => [r.hostId, r.clusterName]));
    const completed = Object.values(record.nodes ?? {}).filter((n) => n.state === OperationState.COMPLETED);
    const end = Date.parse(record.completionTime ?? '');
    for (const node of completed) {
      const at = Date.parse(node.completionTime ?? record.completionTime ?? '');
      const labels = { cluster: clusterOf.get(node.hostId) ?? UNKNOWN_CLUSTER, dc: node.dc, host_id: node.hostId };
      if (Number.isFinite(at)) this.raise(gauges.node, labels, at);
    }
    const done = new Set(completed.map((n) => n.hostId));
    const clusters = new Set(completed.map((n) => clusterOf.get(n.hostId)).filter((c): c is string => c !== undefined));
    for (const cluster of clusters) {
      const members = registrations.filter((r) => r.clusterName === cluster);
      if (Number.isFinite(end) && members.every((r) => done.has(r.hostId))) this.raise(gauges.cluster, { cluster }, end);
    }
  }

  /** Scrape time: the unfinished operations, per type and state, per node, and those past their timeout. */
  active(records: readonly OperationRecord[], now: number, defaultTimeoutMs: number): void {
    const running = this.metrics.gauge(METRICS.operationsRunning);
    const late = this.metrics.gauge(METRICS.operationsPastTimeout);
    const perNode = this.metrics.gauge(METRICS.nodeRunningOperations);
    for (const gauge of [running, late, perNode]) gauge.reset();
    for (const record of records) {
      running.inc({ type: record.type, state: record.state });
      late.inc({ type: record.type }, now > operationDeadline(record, defaultTimeoutMs) ? 1 : 0);
      for (const node of Object.values(record.nodes ?? {})) {
        if (isNodeDispatched(node.state)) perNode.inc({ dc: node.dc, host_id: node.hostId });
      }
    }
  }

  /** Scrape time: every registered node's heartbeat age (nodes no longer registered drop out). */
  heartbeats(nodes: readonly RegisteredNodeView[]): void {
    const gauge = this.metrics.gauge(METRICS.nodeHeartbeatAge);
    gauge.reset();
    for (const { registration: r, heartbeatAgeMs } of nodes) {
      gauge.set({ cluster: r.clusterName, dc: r.dc, host_id: r.hostId }, heartbeatAgeMs / 1000);
    }
  }

  private raise<L extends string>(definition: MetricDefinition<L>, labels: Record<L, string>, atMs: number): void {
    const key = `${definition.name}${JSON.stringify(labels)}`;
    const seconds = atMs / 1000;
    if ((this.latest.get(key) ?? -Infinity) >= seconds) return;
    this.latest.set(key, seconds);
    this.metrics.gauge(definition).set(labels as never, seconds);
  }
}
