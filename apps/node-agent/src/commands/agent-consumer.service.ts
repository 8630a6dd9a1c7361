import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JetStreamClient } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { Consumers, Streams } from '@daedalus/contracts';
import {
  agentConsumer,
  ConsumerRunner,
  durableRunner,
  ensureConsumerAtStartup,
  JETSTREAM,
  NATS_CONFIG,
  NATS_CONNECTION,
  NatsConfig,
} from '@daedalus/messaging';
import { AgentConfig } from '../agent-config';
import { CassandraNode } from '../cassandra/cassandra-node';
import { NodeRegistrationService } from '../registration/node-registration.service';
import { CommandHandler } from './command.handler';

/** Start-up order: learn who we are over JMX, register, then take this node's commands. */
@Injectable()
export class AgentConsumerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgentConsumerService.name);
  private runner?: ConsumerRunner;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_CONFIG) private readonly nats: NatsConfig,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    private readonly config: AgentConfig,
    private readonly registration: NodeRegistrationService,
    private readonly handler: CommandHandler,
    private readonly node: CassandraNode,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { hostId } = await this.registration.register();
    await ensureConsumerAtStartup(this.nc, this.nats, agentConsumer(hostId, this.config.ackWaitMs));
    const { settlement: policy, concurrency, ackWaitMs } = this.config;
    this.runner = durableRunner(
      this.js,
      { stream: Streams.commands, durable: Consumers.agentCommands(hostId), policy, concurrency, ackWaitMs, logger: this.logger },
      (data, context) => this.handler.handle(data, context),
    );
    await this.runner.start();
    this.logger.log(`node agent ready for ${hostId}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
    await this.node.close();
  }
}
