import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { AlertNotificationMessage, Subjects } from '@daedalus/contracts';
import { AlertNotifier } from '../notifications/alert-notifier';

/**
 * Relays an Alertmanager notification (AlertNotification on `daedalus.requests.alert`, published by the gateway)
 * to the webhooks of the `alert` event; acknowledged once every delivery is settled.
 */
@Controller()
export class AlertHandler {
  constructor(private readonly notifier: AlertNotifier) {}

  @EventPattern(Subjects.alert)
  handle(@Payload() message: AlertNotificationMessage): Promise<void> {
    return this.notifier.relay(message);
  }
}
