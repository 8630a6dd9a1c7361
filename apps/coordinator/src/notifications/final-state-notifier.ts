import { Injectable, Logger } from '@nestjs/common';
import { isTerminal, NotificationDelivery, OperationRecord } from '@daedalus/contracts';
import { OperationStore } from '@daedalus/messaging';
import { Clock, errorMessage, retry, sleep } from '@daedalus/common';
import { Webhook, WebhookEvent } from './webhook-config';
import { WebhookClient } from './webhook-client';
import { webhookBody } from './webhook-payload';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhook } from './webhook-signature';

/** Bounded retries of one delivery: 5 attempts, waits of 1, 2, 4, 8 s (about 15 s plus the attempts' time). */
export interface DeliveryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { attempts: 5, initialDelayMs: 1_000, maxDelayMs: 8_000 };

export const WEBHOOKS = Symbol('WEBHOOKS');
export const DELIVERY_POLICY = Symbol('DELIVERY_POLICY');

const EVENT: WebhookEvent = 'operation.final';

/** The delivery's id: the same whichever coordinator computes it, different for a resumed run's final state. */
export function deliveryId(record: OperationRecord, webhook: Webhook): string {
  return `${record.id}.${record.state}.r${record.resumeCount ?? 0}.${webhook.name}`;
}

/**
 * Tells the configured webhooks an operation reached a final state (COMPLETED, FAILED, CANCELLED), once: before
 * the first attempt the coordinator claims the delivery by adding it to the record with compare-and-set, and
 * only the one whose write added it sends (another coordinator announcing the same state finds it there). Each
 * attempt's outcome is written back to the record (`notifications`): pending, delivered, or failed after the
 * bounded attempts. A coordinator that dies mid-delivery leaves it `pending` (see design.md "Notifications").
 */
@Injectable()
export class FinalStateNotifier {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly webhooks: readonly Webhook[],
    private readonly operations: OperationStore,
    private readonly client: WebhookClient,
    private readonly clock: Clock,
    private readonly policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
    private readonly wait: (ms: number) => Promise<void> = sleep,
  ) {}

  /** For every matching webhook, claims and sends; resolves when each claimed delivery is settled. */
  async finalState(record: OperationRecord): Promise<void> {
    if (!isTerminal(record.state)) return;
    const due = this.webhooks.filter((w) => w.events.includes(EVENT) && (!w.types || w.types.includes(record.type)));
    await Promise.all(
      due.map(async (webhook) => {
        try {
          if (await this.claim(record, webhook)) await this.deliver(record, webhook);
        } catch (error) {
          this.logger.warn(`webhook ${webhook.name}: delivery of ${record.id} ${record.state} not settled: ${errorMessage(error)}`);
        }
      }),
    );
  }

  /** Adds the pending delivery to the record unless it is there: true when this call's write added it. */
  async claim(record: OperationRecord, webhook: Webhook): Promise<boolean> {
    const id = deliveryId(record, webhook);
    let claimed = false;
    await this.operations.mutate(record.id, (current) => {
      claimed = false; // the mutation runs again after a compare-and-set conflict
      // the record moved on (a resume) or the delivery is claimed: nothing to write
      if (current.state !== record.state || (current.resumeCount ?? 0) !== (record.resumeCount ?? 0)) return undefined;
      if (current.notifications?.some((n) => n.id === id)) return undefined;
      claimed = true;
      const pending: NotificationDelivery = {
        id,
        webhook: webhook.name,
        event: EVENT,
        operationState: record.state,
        state: 'pending',
        attempts: 0,
      };
      return { ...current, notifications: [...(current.notifications ?? []), pending] };
    });
    return claimed;
  }

  private async deliver(record: OperationRecord, webhook: Webhook): Promise<void> {
    const id = deliveryId(record, webhook);
    try {
      await retry(
        async (attempt) => {
          const sentAt = this.clock.now().toISOString();
          const body = webhookBody(webhook, EVENT, id, record, sentAt);
          const headers = {
            [SIGNATURE_HEADER]: signWebhook(webhook.secret, Math.floor(this.clock.now().getTime() / 1000), body),
            [DELIVERY_HEADER]: id,
            [EVENT_HEADER]: EVENT,
          };
          try {
            await this.client.post(webhook.url, body, headers);
          } catch (error) {
            const last = attempt >= this.policy.attempts;
            await this.note(record.id, id, { state: last ? 'failed' : 'pending', attempts: attempt, lastError: errorMessage(error) });
            throw error;
          }
          await this.note(record.id, id, { state: 'delivered', attempts: attempt });
        },
        {
          attempts: this.policy.attempts,
          initialDelayMs: this.policy.initialDelayMs,
          maxDelayMs: this.policy.maxDelayMs,
          jitter: 0.2,
          sleep: (ms) => this.wait(ms),
          onRetry: ({ attempt, error, delayMs }) =>
            this.logger.warn(
              `webhook ${webhook.name}: attempt ${attempt} for ${record.id} ${record.state} failed (${errorMessage(error)}), again in ${delayMs} ms`,
            ),
        },
      );
      this.logger.log(`webhook ${webhook.name}: ${record.id} ${record.state} delivered`);
    } catch (error) {
      this.logger.error(
        `webhook ${webhook.name}: ${record.id} ${record.state} not delivered after ${this.policy.attempts} attempts: ${errorMessage(error)}`,
      );
    }
  }

  /** The delivery's entry in the record, after an attempt (compare-and-set, like every record write). */
  private async note(
    operationId: string,
    id: string,
    outcome: Pick<NotificationDelivery, 'state' | 'attempts' | 'lastError'>,
  ): Promise<void> {
    const at = this.clock.now().toISOString();
    // the record cannot be written now: the delivery's outcome stands (a failed write must not send it again)
    await this.operations
      .mutate(operationId, (current) => {
        const notifications = current.notifications ?? [];
        if (!notifications.some((n) => n.id === id)) return undefined;
        return {
          ...current,
          notifications: notifications.map((n) => {
            if (n.id !== id) return n;
            const { lastError: _previous, ...rest } = n;
            return { ...rest, ...outcome, ...(outcome.lastError ? { lastError: outcome.lastError.slice(0, 500) } : {}), lastAttemptAt: at };
          }),
        };
      })
      .catch((error: unknown) => this.logger.warn(`webhook delivery ${id}: outcome not recorded: ${errorMessage(error)}`));
  }
}
