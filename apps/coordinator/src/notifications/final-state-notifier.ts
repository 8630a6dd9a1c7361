import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { isTerminal, NotificationDelivery, OperationRecord } from '@daedalus/contracts';
import { DeliveryLease, DeliveryLeaseStore, OperationStore } from '@daedalus/messaging';
import { Clock, errorMessage, retry, sleep, withLogContext } from '@daedalus/common';
import { PeriodicWork } from '../adapters/periodic-work';
import { Webhook, WebhookEvent } from './webhook-config';
import { WebhookClient } from './webhook-client';
import { webhookBody } from './webhook-payload';
import { deliveryHeaders } from './webhook-signature';

/** Bounded retries of one delivery: 5 attempts, waits of 1, 2, 4, 8 s (about 15 s plus the attempts' time). */
export interface DeliveryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { attempts: 5, initialDelayMs: 1_000, maxDelayMs: 8_000 };

export const WEBHOOKS = Symbol('WEBHOOKS');
export const DELIVERY_POLICY = Symbol('DELIVERY_POLICY');

/** A delivery's lease: renewed before each attempt, so it outlasts one attempt (10 s) and one wait (8 s + 20 %). */
export const DEFAULT_DELIVERY_LEASE_MS = 30_000;

export interface NotifierSettings {
  policy?: DeliveryPolicy;
  /** how long a delivery stays with its coordinator without a renewal before another one takes it over */
  leaseMs?: number;
  /** this coordinator process (a lease's owner) */
  owner?: string;
}

const EVENT: WebhookEvent = 'operation.final';

/** The delivery's id: the same whichever coordinator computes it, different for a resumed run's final state. */
export function deliveryId(record: OperationRecord, webhook: Webhook): string {
  return `${record.id}.${record.state}.r${record.resumeCount ?? 0}.${webhook.name}`;
}

/** The renewal before an attempt was lost: another coordinator took the delivery over (this one was too slow). */
class LeaseLost extends Error {}

/**
 * Tells the configured webhooks an operation reached a final state (COMPLETED, FAILED, CANCELLED), once per
 * webhook and final state, with any number of coordinators and when one dies mid-delivery:
 * - the coordinator that writes a final state first leases the delivery (KV `daedalus-webhook-deliveries`,
 *   create-only), then claims it in the record (`notifications`, compare-and-set): only the one whose writes
 *   added both sends; another announcing the same state (a redelivered event) finds the lease or the claim;
 * - before every attempt it renews the lease (compare-and-set on its own lease), and after every attempt writes
 *   the outcome to the record (pending, delivered, or failed after the bounded attempts); a settled delivery's
 *   lease is erased;
 * - every coordinator looks at the leases periodically: one that ran out (its coordinator died, or lost NATS)
 *   is taken over by compare-and-set and the delivery goes on from the attempts the record counts, so the
 *   attempts stay bounded across coordinators and a delivered one is never sent again.
 */
@Injectable()
export class FinalStateNotifier implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly policy: DeliveryPolicy;
  private readonly leaseMs: number;
  private readonly owner: string;
  private readonly takeovers = new PeriodicWork(() => this.takeOverAbandoned());

  constructor(
    private readonly webhooks: readonly Webhook[],
    private readonly operations: OperationStore,
    private readonly leases: DeliveryLeaseStore,
    private readonly client: WebhookClient,
    private readonly clock: Clock,
    settings: NotifierSettings = {},
    private readonly wait: (ms: number) => Promise<void> = sleep,
  ) {
    this.policy = settings.policy ?? DEFAULT_DELIVERY_POLICY;
    this.leaseMs = settings.leaseMs ?? DEFAULT_DELIVERY_LEASE_MS;
    this.owner = settings.owner ?? randomUUID();
  }

  onApplicationBootstrap(): void {
    // nothing to take over without webhooks; a look every third of a lease finds an abandoned one in time
    if (this.webhooks.length > 0) this.takeovers.start(Math.max(1_000, Math.floor(this.leaseMs / 3)));
  }

  onApplicationShutdown(): void {
    this.takeovers.stop();
  }

  /** For every matching webhook, leases, claims and sends; resolves when each delivery it sends is settled. */
  async finalState(record: OperationRecord): Promise<void> {
    if (!isTerminal(record.state)) return;
    const due = this.webhooks.filter((w) => w.events.includes(EVENT) && (!w.types || w.types.includes(record.type)));
    await Promise.all(
      due.map(async (webhook) => {
        const id = deliveryId(record, webhook);
        try {
          if (!(await this.leases.create(this.leaseFor(record, webhook)))) return; // another coordinator has it
          if (!(await this.claim(record, webhook))) {
            await this.leases.release(id); // claimed before (a repeated announcement): nothing to send
            return;
          }
          await this.deliver(record, webhook, 0);
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

  /**
   * One look at the deliveries in flight: each whose lease ran out is taken over (compare-and-set) and goes on
   * from what its record says. Resolves when the deliveries it took are settled.
   */
  async takeOverAbandoned(): Promise<void> {
    let leases: DeliveryLease[];
    try {
      leases = await this.leases.list();
    } catch (error) {
      this.logger.warn(`webhook deliveries not read: ${errorMessage(error)}`);
      return;
    }
    const now = this.clock.now().getTime();
    await Promise.all(
      leases
        .filter((lease) => Date.parse(lease.leaseUntil) <= now)
        .map((lease) =>
          withLogContext({ operationId: lease.operationId }, () =>
            this.takeOver(lease).catch((error: unknown) =>
              this.logger.warn(`webhook ${lease.webhook}: delivery ${lease.deliveryId} not taken over: ${errorMessage(error)}`),
            ),
          ),
        ),
    );
  }

  private async takeOver(abandoned: DeliveryLease): Promise<void> {
    const id = abandoned.deliveryId;
    const ranOut = (current: DeliveryLease) => Date.parse(current.leaseUntil) <= this.clock.now().getTime();
    if (!(await this.leases.take(id, ranOut, this.owner, this.leaseEnd()))) return; // another coordinator took it
    const webhook = this.webhooks.find((w) => w.name === abandoned.webhook);
    const record = await this.operations.get(abandoned.operationId);
    const sameRun =
      record !== undefined && record.state === abandoned.operationState && (record.resumeCount ?? 0) === abandoned.resumeCount;
    if (!webhook || !record || !sameRun) {
      // the webhook is no longer configured here, the record expired, or the run moved on (a resume): nothing to tell
      this.logger.warn(
        `webhook ${abandoned.webhook}: delivery ${id} dropped: ${!webhook ? 'webhook not configured' : 'the record moved on'}`,
      );
      await this.leases.release(id);
      return;
    }
    const entry = record.notifications?.find((n) => n.id === id);
    if (entry && entry.state !== 'pending') {
      await this.leases.release(id); // settled: its coordinator died before erasing the lease
      return;
    }
    // leased but never claimed (its coordinator died in between): claim it now, as that coordinator would have
    if (!entry && !(await this.claim(record, webhook))) {
      await this.leases.release(id);
      return;
    }
    this.logger.log(`webhook ${webhook.name}: taking over delivery ${id} of ${abandoned.owner} after ${entry?.attempts ?? 0} attempt(s)`);
    await this.deliver(record, webhook, entry?.attempts ?? 0);
  }

  /** Sends with bounded attempts (those already made, by any coordinator, count), then erases the lease. */
  private async deliver(record: OperationRecord, webhook: Webhook, attemptsMade: number): Promise<void> {
    const id = deliveryId(record, webhook);
    const remaining = this.policy.attempts - attemptsMade;
    try {
      if (remaining <= 0) {
        await this.note(record.id, id, { state: 'failed', attempts: attemptsMade });
      } else {
        await retry(
          async (attempt) => {
            const made = attemptsMade + attempt;
            // still ours: a coordinator that was too slow to renew must not send beside the one that took over
            if (!(await this.leases.take(id, (current) => current.owner === this.owner, this.owner, this.leaseEnd()))) {
              throw new LeaseLost(`delivery ${id} was taken over by another coordinator`);
            }
            const sentAt = this.clock.now().toISOString();
            const body = webhookBody(webhook, EVENT, id, record, sentAt);
            const headers = deliveryHeaders(webhook.secret, this.clock.now().getTime(), body, id, EVENT);
            try {
              await this.client.post(webhook.url, body, headers);
            } catch (error) {
              const last = made >= this.policy.attempts;
              await this.note(record.id, id, { state: last ? 'failed' : 'pending', attempts: made, lastError: errorMessage(error) });
              throw error;
            }
            await this.note(record.id, id, { state: 'delivered', attempts: made });
          },
          {
            attempts: remaining,
            initialDelayMs: this.policy.initialDelayMs,
            maxDelayMs: this.policy.maxDelayMs,
            jitter: 0.2,
            retryIf: (error) => !(error instanceof LeaseLost),
            sleep: (ms) => this.wait(ms),
            onRetry: ({ attempt, error, delayMs }) =>
              this.logger.warn(
                `webhook ${webhook.name}: attempt ${attemptsMade + attempt} for ${record.id} ${record.state} failed (${errorMessage(error)}), again in ${delayMs} ms`,
              ),
          },
        );
        this.logger.log(`webhook ${webhook.name}: ${record.id} ${record.state} delivered`);
      }
    } catch (error) {
      if (error instanceof LeaseLost) {
        this.logger.warn(`webhook ${webhook.name}: ${errorMessage(error)}; this coordinator stops sending it`);
        return; // the lease is the other coordinator's now: it erases it
      }
      this.logger.error(
        `webhook ${webhook.name}: ${record.id} ${record.state} not delivered after ${this.policy.attempts} attempts: ${errorMessage(error)}`,
      );
    }
    // settled (delivered or failed, written to the record): nobody is to take it over
    await this.leases
      .release(id)
      .catch((error: unknown) => this.logger.warn(`webhook delivery ${id}: lease not erased: ${errorMessage(error)}`));
  }

  private leaseFor(record: OperationRecord, webhook: Webhook): DeliveryLease {
    return {
      deliveryId: deliveryId(record, webhook),
      operationId: record.id,
      webhook: webhook.name,
      operationState: record.state,
      resumeCount: record.resumeCount ?? 0,
      owner: this.owner,
      leaseUntil: this.leaseEnd().toISOString(),
    };
  }

  private leaseEnd(): Date {
    return new Date(this.clock.now().getTime() + this.leaseMs);
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
