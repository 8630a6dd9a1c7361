import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { MetricsServer, processMetrics } from '@daedalus/common';
import { agentConsumer, collectConsumers, NATS_CONNECTION } from '@daedalus/messaging';
import { AgentConfig } from '../agent-config';
import { NodeRegistrationService } from '../registration/node-registration.service';

/**
 * The agent's /metrics listener (--metrics-port): bytes moved, JMX calls and storage requests are recorded where
 * they happen (executors, the JMX client's and the storage backend's observers); at each scrape, its command
 * consumer's pending and redelivered counts.
 */
@Injectable()
export class AgentMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgentMetrics.name);
  private readonly metrics = processMetrics('agent');
  private readonly server: MetricsServer;

  constructor(
    private readonly config: AgentConfig,
    private readonly registration: NodeRegistrationService,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {
    this.server = new MetricsServer(this.metrics, config.metricsSettings);
  }

  async onApplicationBootstrap(): Promise<void> {
    collectConsumers(
      this.metrics,
      () => jetstreamManager(this.nc, { timeout: 2_000 }),
      async () => [agentConsumer((await this.registration.whenRegistered()).hostId, this.config.ackWaitMs)],
    );
    const port = await this.server.start();
    if (port !== undefined) this.logger.log(`metrics on http://${this.config.metricsSettings.address}:${port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.stop();
  }
}
