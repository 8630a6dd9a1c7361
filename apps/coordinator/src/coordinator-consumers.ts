import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JetStreamClient } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { Consumers, Streams, Subjects } from '@daedalus/contracts';
import {
  ConsumerRunner,
  coordinatorConsumers,
  durableRunner,
  ensureConsumerAtStartup,
  JETSTREAM,
  MessageHandler,
  NATS_CONFIG,
  NATS_CONNECTION,
  NatsConfig,
} from '@daedalus/messaging';
import { CoordinatorConfig } from './coordinator-config';
import { CancelHandler } from './handlers/cancel.handler';
import { NodeEventHandler } from './handlers/node-event.handler';
import { ResumeHandler } from './handlers/resume.handler';
import { SubmitHandler } from './handlers/submit.handler';

/** Binds the durable consumers shared by all coordinator replicas to their handlers. */
@Injectable()
export class CoordinatorConsumers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CoordinatorConsumers.name);
  private readonly runners: ConsumerRunner[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_CONFIG) private readonly nats: NatsConfig,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    private readonly config: CoordinatorConfig,
    private readonly submit: SubmitHandler,
    private readonly cancel: CancelHandler,
    private readonly resume: ResumeHandler,
    private readonly events: NodeEventHandler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const spec of coordinatorConsumers(this.config.ackWaitMs)) await ensureConsumerAtStartup(this.nc, this.nats, spec);

    const requests: MessageHandler = (data, context) => {
      if (context.subject === Subjects.cancel) return this.cancel.handle(data);
      if (context.subject === Subjects.resume) return this.resume.handle(data);
      return this.submit.handle(data);
    };
    this.runners.push(this.runner(Streams.requests, Consumers.coordinatorRequests, requests));
    this.runners.push(this.runner(Streams.events, Consumers.coordinatorEvents, (data) => this.events.handle(data)));
    for (const runner of this.runners) await runner.start();
    this.logger.log('consuming requests and node events');
  }

  private runner(stream: string, durable: string, handler: MessageHandler): ConsumerRunner {
    const { settlement: policy, concurrency, ackWaitMs } = this.config;
    return durableRunner(this.js, { stream, durable, policy, concurrency, ackWaitMs, logger: this.logger }, handler);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }
}
