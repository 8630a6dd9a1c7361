import { createServer } from 'node:net';
import { METRIC_NAMES, METRICS } from './metric-names';
import { MetricsRegistry } from './metrics-registry';
import { MetricsServer } from './metrics-server';

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('metric definitions', () => {
  it('name every metric once, with the daedalus_ prefix and no unbounded label', () => {
    expect(new Set(METRIC_NAMES).size).toBe(METRIC_NAMES.length);
    for (const definition of Object.values(METRICS)) {
      expect(definition.name).toMatch(/^daedalus_[a-z_]+$/);
      expect(definition.labelNames).not.toEqual(expect.arrayContaining(['operation_id']));
      expect(definition.labelNames).not.toEqual(expect.arrayContaining(['key']));
      if (definition.type === 'counter') expect(definition.name).toMatch(/_total$/);
      if (definition.type === 'histogram') expect(definition.buckets?.length).toBeGreaterThan(3);
    }
  });
});

describe('MetricsRegistry', () => {
  it('exports only the metrics a service used, each with its service label', async () => {
    const metrics = new MetricsRegistry('coordinator', { processMetrics: false });
    metrics.counter(METRICS.operationsFinished).inc({ type: 'backup', state: 'COMPLETED' });
    const text = await metrics.text();
    expect(sample(text, 'daedalus_operations_finished_total', 'type="backup"')).toBe(1);
    expect(text).toContain('service="coordinator"');
    expect(text).not.toContain('daedalus_operations_submitted_total');
  });

  it('refuses to make a metric as another type than its definition', () => {
    const metrics = new MetricsRegistry('gateway', { processMetrics: false });
    expect(() => metrics.gauge(METRICS.operationsSubmitted)).toThrow(/is a counter, not a gauge/);
  });

  it('returns the same metric for the same definition', () => {
    const metrics = new MetricsRegistry('agent', { processMetrics: false });
    expect(metrics.counter(METRICS.bytesUploaded)).toBe(metrics.counter(METRICS.bytesUploaded));
  });

  it('times work into a histogram and counts failures, passing results and errors through', async () => {
    const metrics = new MetricsRegistry('agent', { processMetrics: false });
    const labels = { call: 'invoke', name: 'takeSnapshot' };
    await expect(metrics.timed(METRICS.jmxCallDuration, METRICS.jmxCallErrors, labels, async () => 42)).resolves.toBe(42);
    await expect(
      metrics.timed(METRICS.jmxCallDuration, METRICS.jmxCallErrors, labels, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const text = await metrics.text();
    expect(sample(text, 'daedalus_jmx_call_duration_seconds_count', 'name="takeSnapshot"')).toBe(2);
    expect(sample(text, 'daedalus_jmx_call_errors_total', 'name="takeSnapshot"')).toBe(1);
  });

  it('runs scrape-time collections, and a hanging one times out without blocking the scrape', async () => {
    const metrics = new MetricsRegistry('coordinator', { processMetrics: false, collectTimeoutMs: 50 });
    metrics.onScrape('dead-letters', async () => metrics.gauge(METRICS.deadLetters).set(3));
    metrics.onScrape('consumers', () => new Promise(() => undefined));
    const text = await metrics.text();
    expect(text).toMatch(/^daedalus_dead_letter_messages\{service="coordinator"\} 3$/m);
    expect(sample(text, 'daedalus_metrics_collect_errors_total', 'collector="consumers"')).toBe(1);
  });
});

describe('MetricsServer', () => {
  it('serves GET /metrics on the port asked (0 for any in this test) and 404 elsewhere, and stops', async () => {
    const metrics = new MetricsRegistry('agent', { processMetrics: false });
    metrics.counter(METRICS.bytesUploaded).inc({ type: 'backup' }, 10);
    const off = new MetricsServer(metrics, { port: 0, address: '127.0.0.1' });
    expect(await off.start()).toBeUndefined();
    // port 0 means "off" in the settings: take a free port from the OS first
    const probe = createServer();
    const port = await new Promise<number>((resolve) =>
      probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)),
    );
    await new Promise((resolve) => probe.close(resolve));
    const listening = new MetricsServer(metrics, { port, address: '127.0.0.1' });
    expect(await listening.start()).toBe(port);
    try {
      const ok = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toContain('text/plain');
      expect(await ok.text()).toContain('daedalus_bytes_uploaded_total{type="backup",service="agent"} 10');
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await listening.stop();
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});
