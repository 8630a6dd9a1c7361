import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MetricDefinition, PROCESS_METRIC_PREFIX, METRICS } from './metric-names';

/** A scrape-time collection (e.g. JetStream consumer info): it sets gauges; one that fails or hangs is skipped. */
export type Collector = () => Promise<void>;

export const DEFAULT_COLLECT_TIMEOUT_MS = 3_000;

/**
 * One service's metrics: a prom-client registry whose metrics are made from METRICS on first use, so a
 * service exports only what it records. Every series carries `service` (gateway, coordinator, agent).
 */
export class MetricsRegistry {
  readonly registry = new Registry();
  private readonly metrics = new Map<string, Counter | Gauge | Histogram>();
  private readonly collectors = new Map<string, Collector>();
  private readonly collectTimeoutMs: number;

  constructor(
    readonly service: string,
    options: { processMetrics?: boolean; collectTimeoutMs?: number } = {},
  ) {
    this.registry.setDefaultLabels({ service });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: PROCESS_METRIC_PREFIX });
    this.collectTimeoutMs = options.collectTimeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS;
  }

  counter<L extends string>(definition: MetricDefinition<L>): Counter<L> {
    return this.made(definition, 'counter', () => new Counter<L>(this.options(definition))) as Counter<L>;
  }

  gauge<L extends string>(definition: MetricDefinition<L>): Gauge<L> {
    return this.made(definition, 'gauge', () => new Gauge<L>(this.options(definition))) as Gauge<L>;
  }

  histogram<L extends string>(definition: MetricDefinition<L>): Histogram<L> {
    return this.made(
      definition,
      'histogram',
      () => new Histogram<L>({ ...this.options(definition), buckets: [...(definition.buckets ?? [])] }),
    ) as Histogram<L>;
  }

  /** Times `work` into a histogram and counts its failures; the result or error passes through. */
  async timed<T, L extends string>(
    histogram: MetricDefinition<L>,
    errors: MetricDefinition<L>,
    labels: Record<L, string>,
    work: () => Promise<T>,
  ): Promise<T> {
    const stop = this.histogram(histogram).startTimer(labels as never);
    try {
      return await work();
    } catch (error) {
      this.counter(errors).inc(labels as never);
      throw error;
    } finally {
      stop();
    }
  }

  /** Runs `collect` before every scrape (bounded by the collect timeout); the name says which one failed. */
  onScrape(name: string, collect: Collector): void {
    this.collectors.set(name, collect);
  }

  /** The Prometheus text exposition, after the scrape-time collections ran (each bounded by a timeout). */
  async text(): Promise<string> {
    await Promise.all([...this.collectors].map(([name, collect]) => this.collect(name, collect)));
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async collect(name: string, collect: Collector): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} took longer than ${this.collectTimeoutMs} ms`)), this.collectTimeoutMs);
    });
    try {
      await Promise.race([collect(), timeout]);
    } catch {
      this.counter(METRICS.scrapeErrors).inc({ collector: name });
    } finally {
      clearTimeout(timer);
    }
  }

  private made(definition: MetricDefinition, type: MetricDefinition['type'], make: () => Counter | Gauge | Histogram) {
    if (definition.type !== type) throw new Error(`${definition.name} is a ${definition.type}, not a ${type}`);
    let made = this.metrics.get(definition.name);
    if (!made) {
      made = make();
      this.metrics.set(definition.name, made);
    }
    return made;
  }

  private options<L extends string>(definition: MetricDefinition<L>) {
    return { name: definition.name, help: definition.help, labelNames: [...definition.labelNames], registers: [this.registry] };
  }
}

let current: MetricsRegistry | undefined;

/**
 * The process's registry (one service per process): libraries deep in a service (storage, JMX) record into it
 * through the observers the service wires. Made by the service's start-up with its name; `unnamed` otherwise.
 */
export function processMetrics(service?: string): MetricsRegistry {
  current ??= new MetricsRegistry(service ?? 'unnamed');
  return current;
}
