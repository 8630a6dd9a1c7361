import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { JetStreamClient } from '@nats-io/jetstream';
import { MessageIds, parseAlertmanagerPayload, Subjects } from '@daedalus/contracts';
import { JETSTREAM, publishJson } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { badRequest } from '../http/bad-request';

/** What the gateway answers an accepted notification: its de-duplication id and how many alerts it carried. */
export class AcceptedAlerts {
  @ApiProperty({ description: 'the de-duplication id: the same notification sent again has the same id and is delivered once' })
  id!: string;
  @ApiProperty({ description: 'the alerts queued for delivery' })
  alerts!: number;
}

/**
 * Alertmanager → the coordinators' webhooks: checks a webhook notification (400 naming the field, also for an
 * alert that is not Daedalus's) and publishes it once on `daedalus.requests.alert` (its id as `Nats-Msg-Id`, so
 * Alertmanager sending it again within the stream's duplicate window is one message).
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);

  constructor(
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    private readonly clock: Clock,
  ) {}

  async relay(body: unknown): Promise<AcceptedAlerts> {
    const { errors, message } = parseAlertmanagerPayload(body, this.clock.now());
    if (!message) throw badRequest(errors);
    await publishJson(this.js, Subjects.alert, message, MessageIds.alert(message.id));
    const names = [...new Set(message.alerts.map((a) => `${a.name} ${a.status}`))].join(', ');
    this.logger.log(`alert notification ${message.id} from ${message.receiver} queued: ${names}`);
    return { id: message.id, alerts: message.alerts.length };
  }
}
