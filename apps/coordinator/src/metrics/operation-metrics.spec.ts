import { NodeProgress, OperationRecord, OperationRequest, OperationState, newOperationRecord } from '@daedalus/contracts';
import { MetricsRegistry } from '@daedalus/common';
import { registration } from '../operations/test-fixtures';
import { OperationMetrics } from './operation-metrics';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function node(hostId: string, state: OperationState, doneAt?: number): NodeProgress {
  return { hostId, address: '10.0.0.1', dc: 'dc1', state, progress: 1, ...(doneAt !== undefined ? { completionTime: iso(doneAt) } : {}) };
}

function record(type: string, state: OperationState, nodes: NodeProgress[], end = 60_000): OperationRecord {
  return {
    ...newOperationRecord('op-1', { type } as OperationRequest, new Date(T0), '1.0'),
    state,
    startTime: iso(0),
    completionTime: iso(end),
    nodes: Object.fromEntries(nodes.map((n) => [n.hostId, n])),
  };
}

function value(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('OperationMetrics', () => {
  const setup = () => {
    const registry = new MetricsRegistry('coordinator', { processMetrics: false });
    return { registry, metrics: new OperationMetrics(registry) };
  };

  it('counts an operation entering a final state once, with its duration, and not a change between final states', async () => {
    const { registry, metrics } = setup();
    const running = record('backup', OperationState.RUNNING, []);
    const done = record('backup', OperationState.COMPLETED, [], 90_000);
    expect(metrics.changed(running, done)).toBe(true);
    expect(metrics.changed(done, { ...done, progress: 1 })).toBe(false);
    expect(metrics.changed(running, { ...running, progress: 0.5 })).toBe(false);
    expect(metrics.changed(running, record('flush', OperationState.FAILED, []))).toBe(false);
    const text = await registry.text();
    expect(value(text, 'daedalus_operations_finished_total', 'type="backup",state="COMPLETED"')).toBe(1);
    expect(value(text, 'daedalus_operations_finished_total', 'type="flush",state="FAILED"')).toBe(1);
    expect(value(text, 'daedalus_operation_duration_seconds_sum', 'type="backup"')).toBe(90);
  });

  it('starts the finished series of backup and verify at 0, so the first failure shows in increase()', async () => {
    const { registry, metrics } = setup();
    metrics.zero();
    const text = await registry.text();
    expect(value(text, 'daedalus_operations_finished_total', 'type="verify",state="FAILED"')).toBe(0);
    expect(value(text, 'daedalus_operations_finished_total', 'type="backup",state="COMPLETED"')).toBe(0);
  });

  it('sets each completed node and, when every registered node took part, the cluster; never moves back', async () => {
    const { registry, metrics } = setup();
    const nodes = [registration('h1'), registration('h2')];
    // h2 failed its part: only h1 gets a success, the cluster none
    metrics.succeeded(
      record('backup', OperationState.COMPLETED, [node('h1', OperationState.COMPLETED, 10_000), node('h2', OperationState.FAILED)]),
      nodes,
    );
    let text = await registry.text();
    expect(value(text, 'daedalus_last_successful_backup_timestamp_seconds', 'host_id="h1"')).toBe((T0 + 10_000) / 1000);
    expect(value(text, 'daedalus_last_successful_backup_timestamp_seconds', 'host_id="h2"')).toBeUndefined();
    expect(text).not.toContain('daedalus_last_successful_cluster_backup_timestamp_seconds{');
    metrics.succeeded(
      record(
        'backup',
        OperationState.COMPLETED,
        [node('h1', OperationState.COMPLETED, 70_000), node('h2', OperationState.COMPLETED, 80_000)],
        90_000,
      ),
      nodes,
    );
    // an older success read later (a seed) changes nothing
    metrics.succeeded(record('backup', OperationState.COMPLETED, [node('h1', OperationState.COMPLETED, 5_000)], 5_000), nodes);
    text = await registry.text();
    expect(value(text, 'daedalus_last_successful_backup_timestamp_seconds', 'cluster="test",dc="dc1",host_id="h1"')).toBe(
      (T0 + 70_000) / 1000,
    );
    expect(value(text, 'daedalus_last_successful_backup_timestamp_seconds', 'host_id="h2"')).toBe((T0 + 80_000) / 1000);
    expect(value(text, 'daedalus_last_successful_cluster_backup_timestamp_seconds', 'cluster="test"')).toBe((T0 + 90_000) / 1000);
  });

  it('tracks verify like backup, and nothing for other types or unfinished records', async () => {
    const { registry, metrics } = setup();
    const nodes = [registration('h1')];
    metrics.succeeded(record('verify', OperationState.COMPLETED, [node('h1', OperationState.COMPLETED, 1_000)]), nodes);
    metrics.succeeded(record('flush', OperationState.COMPLETED, [node('h1', OperationState.COMPLETED, 1_000)]), nodes);
    metrics.succeeded(record('backup', OperationState.FAILED, [node('h1', OperationState.COMPLETED, 1_000)]), nodes);
    const text = await registry.text();
    expect(value(text, 'daedalus_last_successful_verify_timestamp_seconds', 'host_id="h1"')).toBe((T0 + 1_000) / 1000);
    expect(value(text, 'daedalus_last_successful_cluster_verify_timestamp_seconds', 'cluster="test"')).toBe((T0 + 60_000) / 1000);
    expect(text).not.toContain('daedalus_last_successful_backup_timestamp_seconds{');
  });

  it('at scrape, counts unfinished operations per type, per node, and those past their timeout', async () => {
    const { registry, metrics } = setup();
    const young = record('backup', OperationState.RUNNING, [node('h1', OperationState.RUNNING), node('h2', OperationState.COMPLETED)]);
    const old = { ...record('flush', OperationState.RUNNING, [node('h1', OperationState.RUNNING)]), id: 'op-2' };
    metrics.active([young, old], T0 + 120_000, 60_000);
    const text = await registry.text();
    expect(value(text, 'daedalus_operations_running', 'type="backup",state="RUNNING"')).toBe(1);
    expect(value(text, 'daedalus_node_running_operations', 'host_id="h1"')).toBe(2);
    expect(value(text, 'daedalus_node_running_operations', 'host_id="h2"')).toBeUndefined();
    expect(value(text, 'daedalus_operations_past_timeout', 'type="flush"')).toBe(1);
    metrics.active([], T0, 60_000);
    expect(await registry.text()).not.toContain('daedalus_operations_running{');
  });

  it('at scrape, reports each registered node heartbeat age in seconds', async () => {
    const { registry, metrics } = setup();
    metrics.heartbeats([{ registration: registration('h1'), heartbeatAgeMs: 2_500 }]);
    expect(value(await registry.text(), 'daedalus_node_heartbeat_age_seconds', 'cluster="test",dc="dc1",host_id="h1"')).toBe(2.5);
  });
});
