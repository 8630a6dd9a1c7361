import { METRICS } from './metric-names';
import { MetricsRegistry } from './metrics-registry';

/**
 * Adapters from the libraries' observer hooks to metrics. Typed by shape, so libs/storage and libs/jmx stay free
 * of prom-client: `openBackend({ observer })` and `new JmxBridgeClient({ onCall })` take these.
 */
export function storageRequestRecorder(metrics: MetricsRegistry) {
  return {
    requested: (provider: string, request: string) => metrics.counter(METRICS.storageRequests).inc({ provider, request }),
    failed: (provider: string, request: string, kind: string) =>
      metrics.counter(METRICS.storageRequestErrors).inc({ provider, request, class: kind }),
  };
}

export function jmxCallRecorder(metrics: MetricsRegistry) {
  return ({ call, name, seconds, failed }: { call: string; name: string; seconds: number; failed: boolean }) => {
    metrics.histogram(METRICS.jmxCallDuration).observe({ call, name }, seconds);
    if (failed) metrics.counter(METRICS.jmxCallErrors).inc({ call, name });
  };
}

/** Bytes a node's part of an operation moved, counted when it ends. */
export function recordTransfer(
  metrics: MetricsRegistry,
  type: string,
  bytes: { uploaded?: number; skipped?: number; downloaded?: number },
): void {
  if (bytes.uploaded !== undefined) metrics.counter(METRICS.bytesUploaded).inc({ type }, bytes.uploaded);
  if (bytes.skipped !== undefined) metrics.counter(METRICS.bytesSkipped).inc({ type }, bytes.skipped);
  if (bytes.downloaded !== undefined) metrics.counter(METRICS.bytesDownloaded).inc({ type }, bytes.downloaded);
}
