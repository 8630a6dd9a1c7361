import { DynamicModule, Module } from '@nestjs/common';
import {
  DeliveryLeaseStore,
  deliveryLeaseStoreProvider,
  jetStreamTransportProviders,
  NatsInfraModule,
  NatsRequester,
  OperationStore,
  scheduleBookProvider,
  scheduleStoreProvider,
} from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { NodeCommands } from './adapters/node-commands';
import { RangeCoverageClient } from './adapters/range-coverage';
import { PauseHookClient } from './adapters/pause-hooks';
import { PauseWindows } from './operations/pause-windows';
import { CoordinatorConfig } from './coordinator-config';
import { coordinatorEndpoints } from './coordinator-consumers';
import { CancelHandler } from './handlers/cancel.handler';
import { HeartbeatSweeper } from './handlers/heartbeat-sweeper';
import { NodeEventHandler } from './handlers/node-event.handler';
import { ResumeHandler } from './handlers/resume.handler';
import { CoordinatorMetrics } from './metrics/coordinator-metrics.service';
import { SubmitHandler } from './handlers/submit.handler';
import { RetentionTrigger } from './retention/retention-trigger';
import { FinalStateNotifier } from './notifications/final-state-notifier';
import { WebhookClient } from './notifications/webhook-client';
import { AlertNotifier } from './notifications/alert-notifier';
import { AlertHandler } from './handlers/alert.handler';
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
      controllers: [SubmitHandler, CancelHandler, ResumeHandler, NodeEventHandler, ScheduleRequestsHandler, AlertHandler],
      providers: [
        { provide: CoordinatorConfig, useValue: config },
        NodeCommands,
        WebhookClient,
        deliveryLeaseStoreProvider,
        {
          provide: FinalStateNotifier,
          inject: [OperationStore, DeliveryLeaseStore, WebhookClient, Clock],
          useFactory: (operations: OperationStore, leases: DeliveryLeaseStore, client: WebhookClient, clock: Clock) =>
            new FinalStateNotifier(config.webhooks, operations, leases, client, clock, { leaseMs: config.webhookLeaseMs }),
        },
        {
          provide: AlertNotifier,
          inject: [WebhookClient, Clock],
          useFactory: (client: WebhookClient, clock: Clock) => new AlertNotifier(config.webhooks, client, clock),
        },
        NatsRequester,
        RangeCoverageClient,
        PauseHookClient,
        PauseWindows,
        HeartbeatSweeper,
        RetentionTrigger,
        CoordinatorMetrics,
        scheduleStoreProvider,
        scheduleBookProvider,
        ScheduleSubmitter,
        Scheduler,
        ...jetStreamTransportProviders({ inject: [CoordinatorConfig], useFactory: coordinatorEndpoints }),
      ],
    };
  }
}
