import { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { Headers, Streams, Subjects } from '@daedalus/contracts';
import { Backoff, errorMessage, logContextOf, sleep, withLogContext } from '@daedalus/common';
import { LogBudget } from './log-budget';
import { decideSettlement, exceedsAttempts, printableReason, Settlement, SettlementPolicy } from './settlement';

export interface MessageContext {
  subject: string;
  attempt: number;
  /** true when a failure now would dead-letter the message instead of retrying it */
  isLastAttempt: boolean;
}

export type MessageHandler = (data: unknown, context: MessageContext) => Promise<void>;

export interface ConsumerRunnerOptions {
  stream: string;
  durable: string;
  policy: SettlementPolicy;
  /** how many messages this process handles at once */
  concurrency: number;
  /** how often a running handler tells JetStream it is still working (< ack wait) */
  workingIntervalMs: number;
  /** called once when a message is dead-lettered, e.g. to fail the operation it belonged to */
  onDeadLetter?: (data: unknown, reason: string, context: MessageContext) => Promise<void>;
  log: (level: 'warn' | 'error', message: string) => void;
  /** when the consumer cannot be subscribed again (default: exit, so the service is restarted) */
  onGiveUp?: () => void;
}

/** Parses a message body as JSON; a body that is not JSON can never be handled. */
function parseBody(msg: JsMsg): { ok: true; data: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, data: JSON.parse(new TextDecoder().decode(msg.data)) };
  } catch (error) {
    return { ok: false, reason: `message body is not JSON: ${errorMessage(error)}` };
  }
}

const PULL_EXPIRES_MS = 10_000;
/** settlement lines (retries, dead letters) logged one by one per minute and consumer; the rest are summed up */
const SETTLEMENT_LOG_LINES = 20;
const SETTLEMENT_LOG_WINDOW_MS = 60_000;
/** about 10 minutes of attempts at the 10 s backoff cap */
const MAX_RESUBSCRIBE_ATTEMPTS = 60;
const RESUBSCRIBE_BACKOFF = { initialDelayMs: 500, maxDelayMs: 10_000 };

/**
 * Runs a handler over a durable pull consumer and settles every message through the settlement module.
 * Handlers never ack: they return or throw.
 */
export class ConsumerRunner {
  private messages?: ConsumerMessages;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private loop?: Promise<void>;
  private received = 0;
  private readonly settlementLog = new LogBudget(SETTLEMENT_LOG_LINES, SETTLEMENT_LOG_WINDOW_MS);
  private summary?: NodeJS.Timeout;

  constructor(
    private readonly js: JetStreamClient,
    private readonly options: ConsumerRunnerOptions,
    private readonly handler: MessageHandler,
  ) {}

  async start(): Promise<void> {
    this.messages = await this.open();
    this.loop = this.supervise(this.messages);
    this.summary = setInterval(() => this.logSkipped(), SETTLEMENT_LOG_WINDOW_MS);
    this.summary.unref();
  }

  /** A line about one message's settlement: within the budget, so a producer of junk cannot flood the log. */
  private logSettlement(level: 'warn' | 'error', message: string): void {
    if (this.settlementLog.take()) this.options.log(level, message);
  }

  private logSkipped(): void {
    const skipped = this.settlementLog.drainSkipped();
    if (skipped === 0) return;
    this.options.log(
      'error',
      `consumer ${this.options.durable}: ${skipped} more retries and dead letters in the last minute were not logged one ` +
        `by one (more than ${SETTLEMENT_LOG_LINES} a minute; each dead letter's reason is in ${Streams.deadLetters})`,
    );
  }

  private async open(): Promise<ConsumerMessages> {
    const consumer = await this.js.consumers.get(this.options.stream, this.options.durable);
    // Pull requests expire after 10 s (heartbeats every 5 s): when the consumer's leader moves to another
    // server of a JetStream cluster, two missed heartbeats re-issue the pull within about 10 s, instead of
    // the 30 s the client's defaults would stall every queue for.
    const messages = await consumer.consume({ max_messages: this.options.concurrency, expires: PULL_EXPIRES_MS });
    void this.watchStatus(messages);
    return messages;
  }

  /** The client's own notices (missed heartbeats, consumer gone), for the operator's log. */
  private async watchStatus(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const status of messages.status()) {
        if (status.type === 'heartbeats_missed' || status.type === 'consumer_not_found' || status.type === 'stream_not_found') {
          this.options.log('warn', `consumer ${this.options.durable}: ${status.type}`);
        }
      }
    } catch {
      // the iterator ends with the subscription
    }
  }

  /**
   * Keeps consuming until stopped. The client ends its iterator when the subscription breaks for good (the
   * consumer was lost, the connection was replaced); a service that silently stopped taking work would leave
   * every operation hanging, so a new subscription is opened, with bounded backoff between attempts.
   */
  private async supervise(first: ConsumerMessages): Promise<void> {
    let messages: ConsumerMessages | undefined = first;
    const backoff = new Backoff(RESUBSCRIBE_BACKOFF);
    while (!this.stopped) {
      if (messages) {
        const received = this.received;
        try {
          await this.run(messages);
        } catch (error) {
          this.options.log('warn', `consumer ${this.options.durable} stopped: ${errorMessage(error)}`);
        }
        if (this.received > received) backoff.reset();
      }
      if (this.stopped) return;
      if (backoff.count >= MAX_RESUBSCRIBE_ATTEMPTS) {
        // bounded: past this, let the process supervisor (systemd, Kubernetes) start the service afresh
        this.options.log(
          'error',
          `consumer ${this.options.durable}: gave up after ${MAX_RESUBSCRIBE_ATTEMPTS} attempts to subscribe again`,
        );
        (this.options.onGiveUp ?? (() => process.exit(1)))();
        return;
      }
      const delay = backoff.next();
      this.options.log('warn', `consumer ${this.options.durable}: subscription ended, opening it again in ${delay} ms`);
      await sleep(delay);
      if (this.stopped) return;
      messages = await this.open().catch((error: unknown) => {
        this.options.log('warn', `consumer ${this.options.durable}: could not subscribe again: ${errorMessage(error)}`);
        return undefined;
      });
      this.messages = messages ?? this.messages;
    }
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      if (this.stopped) break;
      this.received += 1;
      const task = this.handle(msg).finally(() => this.inFlight.delete(task));
      this.inFlight.add(task);
      while (this.inFlight.size >= this.options.concurrency) await Promise.race(this.inFlight);
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    const attempt = msg.info.deliveryCount;
    const context: MessageContext = {
      subject: msg.subject,
      attempt,
      isLastAttempt: attempt >= this.options.policy.maxAttempts,
    };
    const parsed = parseBody(msg);
    if (!parsed.ok) return this.settle(msg, { action: 'dead-letter', reason: parsed.reason }, undefined, context);
    // every line logged while handling it (the handler's, the executors', the settlement's) names its operation
    return withLogContext(logContextOf(parsed.data), () => this.handleParsed(msg, parsed.data, context));
  }

  private async handleParsed(msg: JsMsg, data: unknown, context: MessageContext): Promise<void> {
    const attempt = context.attempt;
    if (exceedsAttempts(attempt, this.options.policy)) {
      const reason = `delivered ${attempt} times without being settled (the handling process kept dying)`;
      return this.settle(msg, { action: 'dead-letter', reason }, data, context);
    }
    const heartbeat = setInterval(() => msg.working(), this.options.workingIntervalMs);
    let failure: unknown;
    try {
      await this.handler(data, context);
    } catch (error) {
      failure = error ?? new Error('handler threw an empty error');
    } finally {
      clearInterval(heartbeat);
    }
    await this.settle(msg, decideSettlement(attempt, failure, this.options.policy), data, context);
  }

  private async settle(msg: JsMsg, decided: Settlement, data: unknown, context: MessageContext): Promise<void> {
    const settlement = decided.action === 'ack' ? decided : { ...decided, reason: printableReason(decided.reason) };
    switch (settlement.action) {
      case 'ack':
        msg.ack();
        return;
      case 'retry':
        this.logSettlement(
          'warn',
          `${context.subject} attempt ${context.attempt} failed, retrying in ${settlement.delayMs} ms: ${settlement.reason}`,
        );
        msg.nak(settlement.delayMs);
        return;
      case 'dead-letter':
        this.logSettlement('error', `${context.subject} dead-lettered: ${settlement.reason}`);
        try {
          await this.publishDeadLetter(msg, settlement.reason);
          if (this.options.onDeadLetter && data !== undefined) await this.options.onDeadLetter(data, settlement.reason, context);
          // a plain term: nats-server before 2.10.4 ignores a term that carries a reason, and redelivers the
          // message after every ack wait (the reason is in the dead letter's headers)
          msg.term();
        } catch (error) {
          // Could not record it: leave the message for redelivery rather than lose it.
          this.logSettlement('error', `could not dead-letter ${context.subject}: ${errorMessage(error)}`);
          msg.nak(this.options.policy.maxDelayMs);
        }
        return;
    }
  }

  private async publishDeadLetter(msg: JsMsg, reason: string): Promise<void> {
    const h = natsHeaders();
    h.set(Headers.deadLetterReason, reason);
    h.set(Headers.deadLetterSubject, msg.subject);
    h.set(Headers.deadLetterDeliveries, String(msg.info.deliveryCount));
    await this.js.publish(Subjects.deadLetterFor(this.options.stream), msg.data, {
      headers: h,
      msgID: `dlq.${this.options.stream}.${msg.seq}`,
    });
  }

  /** Stops taking messages and waits (bounded) for the ones in flight. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopped = true;
    clearInterval(this.summary);
    this.logSkipped();
    await this.messages?.close();
    const drained = Promise.all([...this.inFlight]);
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
    await this.loop?.catch(() => undefined);
  }
}

export interface DurableRunnerSettings {
  stream: string;
  durable: string;
  policy: SettlementPolicy;
  concurrency: number;
  /** the consumer's ack wait: a running handler reports it is still working three times per period */
  ackWaitMs: number;
  logger: { warn(message: string): void; error(message: string): void };
}

/** A runner with the settings every service uses: working heartbeats from the ack wait, logs to its logger. */
export function durableRunner(js: JetStreamClient, settings: DurableRunnerSettings, handler: MessageHandler): ConsumerRunner {
  const { ackWaitMs, logger, ...rest } = settings;
  return new ConsumerRunner(
    js,
    {
      ...rest,
      workingIntervalMs: Math.max(500, ackWaitMs / 3),
      log: (level, message) => (level === 'warn' ? logger.warn(message) : logger.error(message)),
    },
    handler,
  );
}
