import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { isTerminal, OperationRecord } from '@daedalus/contracts';
import { Clock, errorMessage, MetricsServer, processMetrics } from '@daedalus/common';
import {
  collectConsumers,
  collectDeadLetters,
  coordinatorConsumers,
  NATS_CONNECTION,
  NodeRegistry,
  OperationStore,
} from '@daedalus/messaging';
import { CoordinatorConfig } from '../coordinator-config';
import { OperationMetrics } from './operation-metrics';

/**
 * The coordinator's /metrics: operation counts from the record changes it writes, and at each scrape the
 * unfinished operations, heartbeat ages, its consumers and the dead letters. Serves them on --metrics-port.
 */
@Injectable()
export class CoordinatorMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CoordinatorMetrics.name);
  private readonly metrics = processMetrics('coordinator');
  private readonly operationMetrics = new OperationMetrics(this.metrics);
  private readonly server: MetricsServer;

  constructor(
    private readonly operations: OperationStore,
    private readonly nodes: NodeRegistry,
    private readonly clock: Clock,
    private readonly config: CoordinatorConfig,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {
    this.server = new MetricsServer(this.metrics, config.metricsSettings);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.operationMetrics.zero();
    this.operations.onTransition((before, after) => {
      if (this.operationMetrics.changed(before, after)) void this.succeeded(after);
    });
    const jsm = () => jetstreamManager(this.nc, { timeout: 2_000 });
    collectConsumers(this.metrics, jsm, () => coordinatorConsumers(this.config.ackWaitMs));
    collectDeadLetters(this.metrics, jsm);
    this.metrics.onScrape('nodes', async () => this.operationMetrics.heartbeats(await this.nodes.list()));
    this.metrics.onScrape('operations', async () =>
      this.operationMetrics.active(
        await this.operations.listActive(this.clock.now()),
        this.clock.now().getTime(),
        this.config.defaultOperationTimeoutMs,
      ),
    );
    const port = await this.server.start();
    if (port !== undefined) this.logger.log(`metrics on http://${this.config.metricsSettings.address}:${port}/metrics`);
    void this.seed();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.stop();
  }

  /** The last successes a restarted coordinator knows from the records already there (read once, in the background). */
  private async seed(): Promise<void> {
    try {
      const registrations = (await this.nodes.list()).map((n) => n.registration);
      for (const record of await this.operations.list()) {
        if (isTerminal(record.state)) this.operationMetrics.succeeded(record, registrations);
      }
    } catch (error) {
      this.logger.warn(`last successful backups not read from the records: ${errorMessage(error)}`);
    }
  }

  /** A success this coordinator wrote: the registrations say which cluster each node is in. */
  private async succeeded(record: OperationRecord): Promise<void> {
    try {
      const nodes = await this.nodes.list();
      this.operationMetrics.succeeded(
        record,
        nodes.map((n) => n.registration),
      );
    } catch (error) {
      this.logger.warn(`last success of ${record.id} not recorded: ${errorMessage(error)}`);
    }
  }
}
