import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { NATS_CONNECTION } from '@daedalus/messaging';
import { errorMessage } from '@daedalus/common';
import { RouteAccess } from '../auth/access';

@ApiTags('health')
@RouteAccess('public')
@Controller('healthz')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      async () => {
        const nats = this.indicators.check('nats');
        return this.nc.isClosed() ? nats.down({ message: 'connection closed' }) : nats.up({ server: this.nc.getServer() });
      },
      async () => {
        const js = this.indicators.check('jetstream');
        try {
          const jsm = await jetstreamManager(this.nc, { timeout: 3_000 });
          const info = await jsm.getAccountInfo();
          return js.up({ streams: info.streams });
        } catch (error) {
          return js.down({ message: errorMessage(error) });
        }
      },
    ]);
  }
}
