/**
 * /metrics on every service of a simulated cluster (2 nodes, 2 coordinators, real NATS, real JMX simulators,
 * the file store), scraped during and after backups: the gateway's submissions, the coordinators' finished
 * counts (each finish counted once across both), durations, running operations, heartbeat ages, consumers, the
 * agents' bytes uploaded and skipped by dedup, JMX latency and storage requests, and the last-success timestamps
 * per node and cluster moving with each backup (the second one a schedule's run). Then the schedule is suspended
 * (no more backups) and the shipped
 * no-backup alerts, with a 30 s period instead of a day (a coordinator restarting meanwhile), are evaluated over the scraped timestamps by promtool
 * (and by plain arithmetic): quiet right after the backup, firing for each node and the cluster once the period passed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { makeTempDir, removeDir, waitFor } from '../support/processes';
import { DaedalusSystem, OperationView, REPO_ROOT } from '../support/system';

jest.setTimeout(600_000);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format → samples (comments skipped; label values here never hold quotes or commas). */
function parseMetrics(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

const matches = (sample: Sample, name: string, labels: Record<string, string>) =>
  sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v);

/** The values of a metric across scrapes (services), filtered by labels. */
function values(scrapes: Sample[][], name: string, labels: Record<string, string> = {}): number[] {
  return scrapes
    .flat()
    .filter((s) => matches(s, name, labels))
    .map((s) => s.value);
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const promtoolAvailable = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;

describe('metrics of a running system', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  let clusterName = '';
  const coordinators = ['coordinator-1', 'coordinator-2'];
  const agents = ['agent-1', 'agent-2'];

  async function scrape(service: string): Promise<Sample[]> {
    const response = await fetch(system.metricsUrl(service), { signal: AbortSignal.timeout(15_000) });
    expect({ service, status: response.status }).toEqual({ service, status: 200 });
    expect(response.headers.get('content-type')).toContain('text/plain');
    return parseMetrics(await response.text());
  }
  const scrapeAll = (services: string[]) => Promise.all(services.map(scrape));

  beforeAll(async () => {
    storeRoot = makeTempDir('metrics-store');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({ nodes: 2, coordinators: 2, nodeTimeoutMs: 10_000, metrics: true });
    await system.createTables('shop', ['orders'], 200);
    for (const node of system.nodes) await system.simOf(node).generateSSTables('shop', 'orders', 2, 1024 * 1024);
    clusterName = (await system.registrations())[0].clusterName;
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  it('serves /metrics on every service, each series labelled with its service, and nothing else on the metrics port', async () => {
    for (const service of ['gateway', ...coordinators, ...agents]) {
      const samples = await scrape(service);
      expect(samples.length).toBeGreaterThan(10);
      const expected = service === 'gateway' ? 'gateway' : service.replace(/-\d+$/, '');
      expect(new Set(samples.map((s) => s.labels.service))).toEqual(new Set([expected]));
    }
    const other = await fetch(system.metricsUrl('coordinator-1').replace('/metrics', '/operations'));
    expect(other.status).toBe(404);
    // no operation id, object key or table ever becomes a label
    const all = (await scrapeAll(['gateway', ...coordinators, ...agents])).flat();
    expect(all.filter((s) => 'operation_id' in s.labels || 'key' in s.labels || 'table' in s.labels)).toEqual([]);
  });

  let first: OperationView;

  it('during a backup: submitted on the gateway, running per node on the coordinators, heartbeats and consumers', async () => {
    const response = await system.post('/operations', {
      type: 'backup',
      globalRequest: true,
      storageLocation: location,
      createMissingBucket: true,
      snapshotTag: 'metrics',
      // slow enough to be seen running: 2 MiB per node at 256 KiB/s
      bandwidth: { value: 256, unit: 'KBPS' },
    });
    expect(response.status).toBe(201);
    const id = (response.body as OperationView).id;

    const during = await waitFor(
      'the backup running on both nodes, as the coordinators report it',
      async () => {
        const scrapes = await scrapeAll(coordinators);
        const perNode = system.nodes.map((n) => Math.max(0, ...values(scrapes, 'daedalus_node_running_operations', { host_id: n.hostId })));
        return perNode.every((count) => count === 1) ? scrapes : undefined;
      },
      60_000,
    );
    expect(Math.max(...values(during, 'daedalus_operations_running', { type: 'backup', state: 'RUNNING' }))).toBe(1);
    const running = await system.get(`/operations/${id}`);
    expect((running.body as OperationView).state).toBe('RUNNING');
    expect(sum(values(await scrapeAll(['gateway']), 'daedalus_operations_submitted_total', { type: 'backup' }))).toBe(1);
    // nothing finished yet, and each node's heartbeat age is known (and recent)
    expect(sum(values(during, 'daedalus_operations_finished_total', { type: 'backup', state: 'COMPLETED' }))).toBe(0);
    for (const node of system.nodes) {
      const ages = values(during, 'daedalus_node_heartbeat_age_seconds', { host_id: node.hostId, cluster: clusterName });
      expect(ages).toHaveLength(2);
      expect(Math.min(...ages)).toBeLessThan(10);
    }
    expect(values(during, 'daedalus_consumer_pending_messages', { consumer: 'coordinator-events' }).length).toBeGreaterThan(0);
    expect(values(during, 'daedalus_dead_letter_messages')).toEqual([0, 0]);

    first = await system.waitForOperation(id, undefined, 180_000);
    expect(first.errors).toEqual([]);
    expect(first.state).toBe('COMPLETED');
  });

  it('after it: finished once across both coordinators, its duration, bytes uploaded, JMX and storage calls', async () => {
    const scrapes = await scrapeAll(coordinators);
    expect(sum(values(scrapes, 'daedalus_operations_finished_total', { type: 'backup', state: 'COMPLETED' }))).toBe(1);
    expect(sum(values(scrapes, 'daedalus_operation_duration_seconds_count', { type: 'backup', state: 'COMPLETED' }))).toBe(1);
    const seconds = (Date.parse(String(first.completionTime)) - Date.parse(String(first.startTime))) / 1000;
    expect(sum(values(scrapes, 'daedalus_operation_duration_seconds_sum', { type: 'backup' }))).toBeCloseTo(seconds, 3);
    expect(Math.max(0, ...values(scrapes, 'daedalus_operations_running'))).toBe(0);

    const uploads = (first.response as { UPLOAD: Record<string, { totals: { uploadedBytes: number; bytes: number } }> }).UPLOAD;
    for (const [index, node] of system.nodes.entries()) {
      const agent = await scrape(`agent-${index + 1}`);
      const uploaded = values([agent], 'daedalus_bytes_uploaded_total', { type: 'backup' });
      expect(uploaded).toEqual([uploads[node.hostId].totals.uploadedBytes]);
      expect(uploaded[0]).toBeGreaterThan(1024 * 1024);
      expect(values([agent], 'daedalus_jmx_call_duration_seconds_count', { call: 'invoke' }).length).toBeGreaterThan(0);
      expect(sum(values([agent], 'daedalus_jmx_call_duration_seconds_count'))).toBeGreaterThan(0);
      expect(sum(values([agent], 'daedalus_storage_requests_total', { provider: 'file', request: 'put' }))).toBeGreaterThan(0);
      expect(values([agent], 'daedalus_consumer_pending_messages').length).toBe(1);
    }
  });

  const lastSuccess = async () => {
    const scrapes = await scrapeAll(coordinators);
    const node = (hostId: string) =>
      Math.max(...values(scrapes, 'daedalus_last_successful_backup_timestamp_seconds', { host_id: hostId, cluster: clusterName }));
    return {
      nodes: system.nodes.map((n) => node(n.hostId)),
      cluster: Math.max(...values(scrapes, 'daedalus_last_successful_cluster_backup_timestamp_seconds', { cluster: clusterName })),
    };
  };

  let latest: { nodes: number[]; cluster: number };

  it('sets the last successful backup of each node and the cluster, and moves them with the next backup', async () => {
    const seconds = (iso: unknown) => Date.parse(String(iso)) / 1000;
    const afterFirst = await lastSuccess();
    expect(afterFirst.cluster).toBe(seconds(first.completionTime));
    for (const [index, node] of system.nodes.entries()) {
      const entry = (first.nodes as Array<{ hostId: string; completionTime?: string }>).find((n) => n.hostId === node.hostId);
      expect(afterFirst.nodes[index]).toBe(seconds(entry?.completionTime));
    }

    // the same data again, from a schedule: everything is already in the store (skipped by dedup), and the
    // timestamps move; the schedule is suspended as soon as its first run is submitted, so it stops for good
    const backupRequest = { type: 'backup', globalRequest: true, storageLocation: location, snapshotTag: 'metrics' };
    const schedule = { id: 'metrics-nightly', request: backupRequest, schedule: '@every 3s' };
    expect((await system.post('/schedules', schedule)).status).toBe(201);
    const run = await waitFor(
      'the schedule to submit its first run',
      async () =>
        ((await system.get('/schedules/metrics-nightly')).body as { runs: Array<{ state: string; operationId: string }> }).runs.find(
          (r) => r.state === 'submitted',
        ),
      30_000,
    );
    expect((await system.request('PUT', '/schedules/metrics-nightly', { ...schedule, id: undefined, suspended: true })).status).toBe(200);
    const second = await system.waitForOperation(run.operationId, undefined, 180_000);
    expect(second.state).toBe('COMPLETED');
    expect(second.submittedBy).toBe('schedule:metrics-nightly');
    const runs = ((await system.get('/schedules/metrics-nightly')).body as { runs: Array<{ state: string }> }).runs;
    expect(runs.filter((r) => r.state === 'submitted')).toHaveLength(1);
    latest = await lastSuccess();
    expect(latest.cluster).toBe(seconds(second.completionTime));
    for (const [index] of system.nodes.entries()) expect(latest.nodes[index]).toBeGreaterThan(afterFirst.nodes[index]);

    const coordinatorScrapes = await scrapeAll(coordinators);
    expect(sum(values(coordinatorScrapes, 'daedalus_operations_finished_total', { type: 'backup', state: 'COMPLETED' }))).toBe(2);
    // the gateway counts what it queued: the scheduled run was submitted by a coordinator
    expect(sum(values(await scrapeAll(['gateway']), 'daedalus_operations_submitted_total', { type: 'backup' }))).toBe(1);
    const agentScrapes = await scrapeAll(agents);
    expect(sum(values(agentScrapes, 'daedalus_bytes_skipped_dedup_total', { type: 'backup' }))).toBeGreaterThan(2 * 1024 * 1024);
  });

  it('fires the no-backup alert for each node and the cluster once the schedule (suspended) stopped for longer than its period', async () => {
    const PERIOD = 30;
    const MARGIN = 2;
    // right after the last backup ended (its latest timestamp + 1 s)
    const justAfter = Math.max(latest.cluster, ...latest.nodes) + 1;
    // no further backup runs (the schedule is suspended); meanwhile coordinator-2 restarts: it reads the last
    // successes back from the records, so the alert does not depend on which replica survived
    const waited = new Promise((resolve) => setTimeout(resolve, (PERIOD + MARGIN + 2) * 1000));
    await system.group.kill(system.coordinators[1], 'SIGTERM');
    await system.startCoordinator(1);
    const restarted = await waitFor(
      'coordinator-2 to know the last successes again',
      async () => {
        const samples = await scrape('coordinator-2');
        const cluster = values([samples], 'daedalus_last_successful_cluster_backup_timestamp_seconds', { cluster: clusterName });
        return cluster.length === 1 ? samples : undefined;
      },
      30_000,
    );
    expect(values([restarted], 'daedalus_last_successful_cluster_backup_timestamp_seconds', { cluster: clusterName })).toEqual([
      latest.cluster,
    ]);
    expect(
      system.nodes.map((n) => values([restarted], 'daedalus_last_successful_backup_timestamp_seconds', { host_id: n.hostId })[0]),
    ).toEqual(latest.nodes);
    // a restart counts nothing again
    expect(values([restarted], 'daedalus_operations_finished_total', { type: 'backup', state: 'COMPLETED' })).toEqual([0]);
    await waited;
    const stopped = await lastSuccess();
    expect(stopped).toEqual(latest);
    const now = Date.now() / 1000;

    // plain arithmetic: the alert expression `time() - ts > period + margin` over the scraped values
    const firing = [...stopped.nodes, stopped.cluster].map((ts) => now - ts > PERIOD + MARGIN);
    expect(firing).toEqual([true, true, true]);
    expect([...stopped.nodes, stopped.cluster].map((ts) => justAfter - ts > PERIOD + MARGIN)).toEqual([false, false, false]);

    if (!promtoolAvailable) {
      console.warn('SKIPPED the promtool evaluation of the shipped rules: promtool is not installed (apt-get install prometheus)');
      return;
    }
    // promtool's clock starts at 0: shift every timestamp by the same origin (time() - ts does not change)
    const origin = Math.floor(Math.min(...stopped.nodes, stopped.cluster)) - 1;
    const elapsed = Math.ceil(now - origin);
    const dir = makeTempDir('metrics-alerts');
    try {
      const rules = parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/daedalus-alerts.yml'), 'utf8')) as {
        groups: Array<{ rules: Array<{ record?: string; expr: string; annotations?: unknown }> }>;
      };
      for (const rule of rules.groups.flatMap((g) => g.rules)) {
        if (rule.record === 'daedalus:backup_period_seconds') rule.expr = `vector(${PERIOD})`;
        if (rule.record === 'daedalus:backup_margin_seconds') rule.expr = `vector(${MARGIN})`;
        delete rule.annotations; // compared by promtool; the shipped test checks them
      }
      writeFileSync(join(dir, 'rules.yml'), stringify(rules));
      const series = [
        ...system.nodes.map((n, i) => ({
          series: `daedalus_last_successful_backup_timestamp_seconds{service="coordinator",cluster="${clusterName}",dc="${n.dc}",host_id="${n.hostId}"}`,
          values: `${stopped.nodes[i] - origin}x${elapsed + 5}`,
        })),
        {
          series: `daedalus_last_successful_cluster_backup_timestamp_seconds{service="coordinator",cluster="${clusterName}"}`,
          values: `${stopped.cluster - origin}x${elapsed + 5}`,
        },
      ];
      const quiet = Math.ceil(justAfter - origin);
      const alerts = (eval_time: string, nodes: boolean) => [
        {
          eval_time,
          alertname: 'DaedalusNodeBackupMissing',
          exp_alerts: nodes
            ? system.nodes.map((n) => ({ exp_labels: { severity: 'critical', cluster: clusterName, dc: n.dc, host_id: n.hostId } }))
            : [],
        },
        {
          eval_time,
          alertname: 'DaedalusClusterBackupMissing',
          exp_alerts: nodes ? [{ exp_labels: { severity: 'critical', cluster: clusterName } }] : [],
        },
      ];
      const test = {
        rule_files: ['rules.yml'],
        evaluation_interval: '1s',
        tests: [{ interval: '1s', input_series: series, alert_rule_test: [...alerts(`${quiet}s`, false), ...alerts(`${elapsed}s`, true)] }],
      };
      writeFileSync(join(dir, 'test.yml'), stringify(test));
      const run = spawnSync('promtool', ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      expect({ status: run.status, out: run.stdout + run.stderr }).toEqual({ status: 0, out: expect.stringContaining('SUCCESS') });
    } finally {
      removeDir(dir);
    }
  });
});
