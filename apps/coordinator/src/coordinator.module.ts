import { DynamicModule, Module } from '@nestjs/common';
import {
  jetStreamTransportProviders,
  NatsInfraModule,
  NatsRequester,
  scheduleBookProvider,
  scheduleStoreProvider,
} from '@daedalus/messaging';
import { NodeCommands } from './adapters/node-commands';
import { RangeCoverageClient } from './adapters/range-coverage';
import { CoordinatorConfig } from './coordinator-config';
import { coordinatorEndpoints } from './coordinator-consumers';
import { CancelHandler } from './handlers/cancel.handler';
import { HeartbeatSweeper } from './handlers/heartbeat-sweeper';
import { NodeEventHandler } from './handlers/node-event.handler';
import { ResumeHandler } from './handlers/resume.handler';
import { SubmitHandler } from './handlers/submit.handler';
import { Scheduler } from './schedules/scheduler';
import { ScheduleRequestsHandler } from './schedules/schedule-requests.handler';
import { ScheduleSubmitter } from './schedules/schedule-submitter';

@Module({})
export class CoordinatorModule {
  static create(config: CoordinatorConfig): DynamicModule {
    return {
      module: CoordinatorModule,
      imports: [NatsInfraModule.forRoot(config.nats, config.topology, config.signing)],
      // the message handlers (`@EventPattern`), discovered by Nest and fed by the JetStream transport
      controllers: [SubmitHandler, CancelHandler, ResumeHandler, NodeEventHandler, ScheduleRequestsHandler],
      providers: [
        { provide: CoordinatorConfig, useValue: config },
        NodeCommands,
        NatsRequester,
        RangeCoverageClient,
        HeartbeatSweeper,
        scheduleStoreProvider,
        scheduleBookProvider,
        ScheduleSubmitter,
        Scheduler,
        ...jetStreamTransportProviders({ inject: [CoordinatorConfig], useFactory: coordinatorEndpoints }),
      ],
    };
  }
}
