import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { NatsInfraModule, NatsRequester, scheduleBookProvider, scheduleStoreProvider } from '@daedalus/messaging';
import { authProviders } from './auth/auth-providers';
import { BackupsController } from './backups/backups.controller';
import { DocsController } from './docs/docs.controller';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { RecordWatch } from './events/record-watch';
import { GatewayConfig } from './gateway-config';
import { HealthController } from './health/health.controller';
import { GatewayMetrics } from './metrics/gateway-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { NodesController } from './nodes/nodes.controller';
import { NodesService } from './nodes/nodes.service';
import { OperationPublisher } from './operations/operation-publisher';
import { OperationsController } from './operations/operations.controller';
import { OperationsService } from './operations/operations.service';
import { SchedulesController } from './schedules/schedules.controller';
import { SchedulesService } from './schedules/schedules.service';
import { AlertsController } from './alerts/alerts.controller';
import { AlertsService } from './alerts/alerts.service';
import { ClusterController } from './topology/cluster.controller';
import { ClusterService } from './topology/cluster.service';
import { NodeQueryClient } from './topology/node-query.client';

@Module({})
export class GatewayModule {
  static create(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [NatsInfraModule.forRoot(config.nats, config.topology), TerminusModule],
      controllers: [
        OperationsController,
        ClusterController,
        HealthController,
        DocsController,
        BackupsController,
        NodesController,
        EventsController,
        MetricsController,
        SchedulesController,
        AlertsController,
      ],
      providers: [
        { provide: GatewayConfig, useValue: config },
        OperationPublisher,
        GatewayMetrics,
        OperationsService,
        ClusterService,
        NatsRequester,
        NodeQueryClient,
        NodesService,
        RecordWatch,
        EventsService,
        scheduleStoreProvider,
        scheduleBookProvider,
        SchedulesService,
        AlertsService,
        ...authProviders(config.auth, config.https),
      ],
    };
  }
}
