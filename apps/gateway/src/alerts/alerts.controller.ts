import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RouteAccess } from '../auth/access';
import { AcceptedAlerts, AlertsService } from './alerts.service';

@ApiTags('alerts')
@Controller('alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Post('alertmanager')
  @RouteAccess('alert')
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Alertmanager's webhook receiver (payload version 4): Daedalus's alerts are delivered to the webhooks of the `alert` event (needs operator)",
  })
  @ApiResponse({ status: 202, description: 'queued for delivery', type: AcceptedAlerts })
  @ApiResponse({
    status: 400,
    description: 'not a valid notification, or an alert that is not one of Daedalus’s; `errors` names each field',
  })
  relay(@Body() body: unknown): Promise<AcceptedAlerts> {
    return this.alerts.relay(body);
  }
}
