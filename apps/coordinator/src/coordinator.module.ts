import { DynamicModule, Module } from '@nestjs/common';
import { NatsInfraModule } from '@daedalus/messaging';
import { NodeCommands } from './adapters/node-commands';
import { CoordinatorConfig } from './coordinator-config';
import { CoordinatorConsumers } from './coordinator-consumers';
import { CancelHandler } from './handlers/cancel.handler';
import { HeartbeatSweeper } from './handlers/heartbeat-sweeper';
import { NodeEventHandler } from './handlers/node-event.handler';
import { ResumeHandler } from './handlers/resume.handler';
import { SubmitHandler } from './handlers/submit.handler';

@Module({})
export class CoordinatorModule {
  static create(config: CoordinatorConfig): DynamicModule {
    return {
      module: CoordinatorModule,
      imports: [NatsInfraModule.forRoot(config.nats, config.topology)],
      providers: [
        { provide: CoordinatorConfig, useValue: config },
        NodeCommands,
        SubmitHandler,
        CancelHandler,
        ResumeHandler,
        NodeEventHandler,
        HeartbeatSweeper,
        CoordinatorConsumers,
      ],
    };
  }
}
