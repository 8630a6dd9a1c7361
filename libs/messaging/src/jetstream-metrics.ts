import { JetStreamManager } from '@nats-io/jetstream';
import { Streams } from '@daedalus/contracts';
import { METRICS, MetricsRegistry } from '@daedalus/common';

/**
 * Scrape-time JetStream gauges: each durable consumer's pending, ack-pending and redelivered counts (consumer
 * info), and the dead-letter stream's size (stream info). Read when Prometheus scrapes, each collection bounded
 * by the registry's timeout, so a slow broker delays a scrape by at most that and never blocks the service.
 */
export function collectConsumers(
  metrics: MetricsRegistry,
  jsm: () => Promise<JetStreamManager>,
  /** the consumers, asked at each scrape (an agent knows its own once it registered) */
  consumers: () => ReadonlyArray<{ stream: string; durable: string }> | Promise<ReadonlyArray<{ stream: string; durable: string }>>,
): void {
  metrics.onScrape('consumers', async () => {
    const manager = await jsm();
    await Promise.all(
      (await consumers()).map(async ({ stream, durable }) => {
        const info = await manager.consumers.info(stream, durable);
        const labels = { stream, consumer: durable };
        metrics.gauge(METRICS.consumerPending).set(labels, info.num_pending);
        metrics.gauge(METRICS.consumerAckPending).set(labels, info.num_ack_pending);
        metrics.gauge(METRICS.consumerRedelivered).set(labels, info.num_redelivered);
      }),
    );
  });
}

/** The dead-letter stream's message count (what the "dead letters growing" alert watches). */
export function collectDeadLetters(metrics: MetricsRegistry, jsm: () => Promise<JetStreamManager>): void {
  metrics.onScrape('dead-letters', async () => {
    const info = await (await jsm()).streams.info(Streams.deadLetters);
    metrics.gauge(METRICS.deadLetters).set(info.state.messages);
  });
}
