import { DynamicModule, Module } from '@nestjs/common';
import { jetStreamTransportProviders, NatsInfraModule, natsConfigFromEnv, topologyFromConfig } from '@daedalus/messaging';
import { ConfigReader } from '@daedalus/common';
import { NodeCommands } from './adapters/node-commands';
import { CoordinatorConfig } from './coordinator-config';
import { coordinatorEndpoints } from './coordinator-consumers';
import { CancelHandler } from './handlers/cancel.handler';
import { HeartbeatSweeper } from './handlers/heartbeat-sweeper';
import { NodeEventHandler } from './handlers/node-event.handler';
import { ResumeHandler } from './handlers/resume.handler';
import { SubmitHandler } from './handlers/submit.handler';

@Module({})
export class CoordinatorModule {
  static create(reader: ConfigReader): DynamicModule {
    const nats = natsConfigFromEnv('daedalus-coordinator');
    return {
      module: CoordinatorModule,
      imports: [NatsInfraModule.forRoot(nats, topologyFromConfig(reader, nats.replicas))],
      // the message handlers (`@EventPattern`), discovered by Nest and fed by the JetStream transport
      controllers: [SubmitHandler, CancelHandler, ResumeHandler, NodeEventHandler],
      providers: [
        { provide: CoordinatorConfig, useValue: new CoordinatorConfig(reader) },
        NodeCommands,
        HeartbeatSweeper,
        ...jetStreamTransportProviders({ inject: [CoordinatorConfig], useFactory: coordinatorEndpoints }),
      ],
    };
  }
}
