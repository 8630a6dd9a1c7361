import { Injectable, Logger } from '@nestjs/common';
import { AlertNotificationMessage, RelayedAlert } from '@daedalus/contracts';
import { Clock, errorMessage, METRICS, processMetrics, retry, sleep } from '@daedalus/common';
import { DEFAULT_DELIVERY_POLICY, DeliveryPolicy } from './final-state-notifier';
import { alertBody } from './alert-payload';
import { Webhook } from './webhook-config';
import { WebhookClient } from './webhook-client';
import { deliveryHeaders } from './webhook-signature';

const EVENT = 'alert';

/**
 * The delivery id of one alert of one notification to one webhook: the same on every attempt and on the coordinator
 * that gets the message again, so receivers de-duplicate on it.
 */
export function alertDeliveryId(notificationId: string, alert: RelayedAlert, webhook: Webhook): string {
  return `alert.${notificationId}.${alert.fingerprint}.${webhook.name}`;
}

/**
 * Tells the webhooks whose `events` include `alert` of each alert of an Alertmanager notification, with the
 * signature, bounded attempts and waits of operation deliveries. An alert is no operation, so there is no record
 * to claim in: the message itself is the lease — it stays unacknowledged (the consumer runner reports it working)
 * until every delivery is settled, so a coordinator dying mid-delivery leaves it to another. Its outcome is
 * counted (`daedalus_webhook_deliveries_total{event="alert",state}`) and logged.
 */
@Injectable()
export class AlertNotifier {
  private readonly logger = new Logger('AlertWebhooks');
  private readonly settled = processMetrics('coordinator').counter(METRICS.webhookDeliveries);

  constructor(
    private readonly webhooks: readonly Webhook[],
    private readonly client: WebhookClient,
    private readonly clock: Clock,
    private readonly policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
    private readonly wait: (ms: number) => Promise<void> = sleep,
  ) {
    // both series exist from the start, so increase() sees a first failure
    for (const state of ['delivered', 'failed']) this.settled.inc({ event: EVENT, state }, 0);
  }

  /** Resolves when every delivery of the notification is settled (delivered, or failed after the bounded attempts). */
  async relay(message: AlertNotificationMessage): Promise<void> {
    const due = this.webhooks.filter((w) => w.events.includes(EVENT));
    if (due.length === 0) {
      this.logger.warn(`alert notification ${message.id} from ${message.receiver}: no webhook has the alert event; nothing sent`);
      return;
    }
    await Promise.all(message.alerts.flatMap((alert) => due.map((webhook) => this.deliver(message.id, alert, webhook))));
  }

  private async deliver(notificationId: string, alert: RelayedAlert, webhook: Webhook): Promise<void> {
    const id = alertDeliveryId(notificationId, alert, webhook);
    try {
      await retry(
        async () => {
          const body = alertBody(webhook, id, alert, this.clock.now().toISOString());
          await this.client.post(webhook.url, body, deliveryHeaders(webhook.secret, this.clock.now().getTime(), body, id, EVENT));
        },
        {
          attempts: this.policy.attempts,
          initialDelayMs: this.policy.initialDelayMs,
          maxDelayMs: this.policy.maxDelayMs,
          jitter: 0.2,
          sleep: (ms) => this.wait(ms),
          onRetry: ({ attempt, error, delayMs }) =>
            this.logger.warn(
              `webhook ${webhook.name}: attempt ${attempt} for alert ${alert.name} ${alert.status} failed (${errorMessage(error)}), again in ${delayMs} ms`,
            ),
        },
      );
      this.settled.inc({ event: EVENT, state: 'delivered' });
      this.logger.log(`webhook ${webhook.name}: alert ${alert.name} ${alert.status} delivered (${id})`);
    } catch (error) {
      this.settled.inc({ event: EVENT, state: 'failed' });
      this.logger.error(
        `webhook ${webhook.name}: alert ${alert.name} ${alert.status} not delivered after ${this.policy.attempts} attempts (${id}): ${errorMessage(error)}`,
      );
    }
  }
}
