import { Inject, Injectable, Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { JetStreamClient } from '@nats-io/jetstream';
import { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { isObservable, lastValueFrom } from 'rxjs';
import { channelOf, checkMessage, DtoClass, MessageCheck, subjectMatches } from '@daedalus/contracts';
import { errorMessage } from '@daedalus/common';
import { ConsumerRunner, durableRunner, MessageContext } from '../consumer-runner';
import { FatalError } from '../errors';
import { NATS_CONFIG, NATS_CONNECTION, JETSTREAM, ensureConsumerAtStartup } from '../nats.module';
import { NatsConfig } from '../nats-config';
import { SettlementPolicy } from '../settlement';
import { DurableConsumerSpec } from '../topology';
import { JetStreamContext, NatsRequestContext } from './contexts';
import { patternsOverlap } from './subject-patterns';

/** A durable pull consumer whose messages go to the `@EventPattern` handlers matching their subjects. */
export interface ConsumerEndpoint {
  /** created or updated at start-up (retried while JetStream is not ready) */
  consumer: DurableConsumerSpec;
  policy: SettlementPolicy;
  /** how many messages this process handles at once */
  concurrency: number;
}

/** A core NATS subscription whose requests go to the `@MessagePattern` handler matching their subject. */
export interface ReplyEndpoint {
  subject: string;
  /** queue group: one member answers each request */
  queue?: string;
}

/** An endpoint known at once, or one that needs something learnt at start-up (a node agent's host ID). */
export type Deferred<T> = T | (() => Promise<T>);

/**
 * Where a service listens. Opened in this order: the replies known at once, the consumers, then the deferred
 * replies; `listen` resolves once all are open.
 */
export interface TransportEndpoints {
  consumers: Array<Deferred<ConsumerEndpoint>>;
  replies?: Array<Deferred<ReplyEndpoint>>;
}

export const TRANSPORT_ENDPOINTS = Symbol('TRANSPORT_ENDPOINTS');

const resolve = <T>(endpoint: Deferred<T>): Promise<T> =>
  typeof endpoint === 'function' ? (endpoint as () => Promise<T>)() : Promise.resolve(endpoint);

/**
 * A Nest microservice transport over our JetStream consumer runner and core NATS request/reply.
 *
 * JetStream messages (`@EventPattern(subject pattern)`): each consumer endpoint is a `ConsumerRunner` (ack-wait
 * progress for long handlers, bounded redelivery, pull expiry and resubscribe, dead-letter with the reason,
 * graceful stop). Its payload is validated against the DTO the catalogue names for its subject: one that is not
 * valid is a FatalError (dead-lettered with the reasons) and never reaches the handler. The handler's outcome is
 * settled by the settlement module: return → ack, RetryableError or an unexpected error → retry with backoff,
 * FatalError or attempts exhausted → dead-letter.
 *
 * Core NATS requests (`@MessagePattern(subject pattern)`): the request is validated against the channel's DTO;
 * the handler's return value is the reply. An invalid request, or a handler that throws, is answered with the
 * channel's error reply.
 */
@Injectable()
export class JetStreamServer extends Server implements CustomTransportStrategy {
  override readonly transportId = Symbol.for('daedalus.jetstream');
  private readonly log = new Logger('JetStreamTransport');
  private readonly runners: ConsumerRunner[] = [];
  private readonly subscriptions: Subscription[] = [];
  private stopped = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_CONFIG) private readonly nats: NatsConfig,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(TRANSPORT_ENDPOINTS) private readonly endpoints: TransportEndpoints,
  ) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    this.open().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  private async open(): Promise<void> {
    const replies = this.endpoints.replies ?? [];
    const listening: string[] = [];
    for (const reply of replies.filter((r) => typeof r !== 'function')) listening.push(this.subscribe(reply));
    for (const endpoint of this.endpoints.consumers) {
      const resolved = await resolve(endpoint);
      if (this.stopped) return;
      listening.push(await this.consume(resolved));
    }
    for (const reply of replies.filter((r) => typeof r === 'function')) {
      const resolved = await resolve(reply);
      if (this.stopped) return;
      listening.push(this.subscribe(resolved));
    }
    for (const [pattern] of this.messageHandlers) {
      if (!listening.some((subject) => patternsOverlap(subject, pattern))) {
        this.log.warn(`no consumer or subscription delivers ${pattern}: its handler is never called`);
      }
    }
  }

  /** Opens a consumer endpoint; returns its filter subject. */
  private async consume(endpoint: ConsumerEndpoint): Promise<string> {
    const { consumer, policy, concurrency } = endpoint;
    this.assertHandled(consumer.filterSubject, true, `consumer ${consumer.durable}`);
    await ensureConsumerAtStartup(this.nc, this.nats, consumer, policy);
    const runner = durableRunner(
      this.js,
      { stream: consumer.stream, durable: consumer.durable, policy, concurrency, ackWaitMs: consumer.ackWaitMs, logger: this.log },
      (data, context) => this.handleMessage(data, context),
    );
    this.runners.push(runner);
    await runner.start();
    this.log.log(`consuming ${consumer.filterSubject} (${consumer.stream}, durable ${consumer.durable})`);
    return consumer.filterSubject;
  }

  /** Subscribes a reply endpoint; returns its subject. */
  private subscribe(endpoint: ReplyEndpoint): string {
    this.assertHandled(endpoint.subject, false, `subscription ${endpoint.subject}`);
    const subscription = this.nc.subscribe(endpoint.subject, {
      queue: endpoint.queue,
      callback: (error, msg) => {
        if (error) this.log.warn(`subscription ${endpoint.subject}: ${errorMessage(error)}`);
        else void this.answer(msg);
      },
    });
    this.subscriptions.push(subscription);
    this.log.log(`answering ${endpoint.subject}${endpoint.queue ? ` (queue group ${endpoint.queue})` : ''}`);
    return endpoint.subject;
  }

  /** An endpoint whose messages no handler takes is a wiring mistake: refuse to start. */
  private assertHandled(subject: string, event: boolean, what: string): void {
    const handled = [...this.messageHandlers].some(
      ([pattern, handler]) => handler.isEventHandler === event && patternsOverlap(pattern, subject),
    );
    if (!handled) throw new Error(`${what}: no @${event ? 'EventPattern' : 'MessagePattern'} handler matches ${subject}`);
  }

  /** The handler for a subject: its exact pattern first, else the first wildcard pattern that matches it. */
  private handlerFor(subject: string, event: boolean): MessageHandler | undefined {
    const exact = this.messageHandlers.get(subject);
    if (exact && exact.isEventHandler === event) return exact;
    for (const [pattern, handler] of this.messageHandlers) {
      if (handler.isEventHandler === event && subjectMatches(pattern, subject)) return handler;
    }
    return undefined;
  }

  /** One JetStream message; what it throws is settled by the runner. */
  private async handleMessage(data: unknown, delivery: MessageContext): Promise<void> {
    const channel = channelOf(delivery.subject);
    if (channel?.kind !== 'stream') throw new FatalError(`${delivery.subject} is not a JetStream subject of the protocol`);
    const { name, payload } = channel.message;
    const handler = this.handlerFor(delivery.subject, true);
    if (!handler) throw new FatalError(`no handler for ${name} on ${delivery.subject}`);
    const checked = checkPayload(payload, data);
    if (!checked.ok) throw new FatalError(`${name}: ${checked.errors.join('; ')}`);
    await this.invoke(handler, checked.value, new JetStreamContext([delivery]));
  }

  /** One core NATS request: always answered (when it asked for an answer), with the channel's error reply if need be. */
  private async answer(msg: Msg): Promise<void> {
    const channel = channelOf(msg.subject);
    if (channel?.kind !== 'request') {
      this.log.warn(`${msg.subject} is not a request subject of the protocol: not answered`);
      return;
    }
    const { errorReply, request } = channel;
    let reply: unknown;
    try {
      const handler = this.handlerFor(msg.subject, false);
      if (!handler) throw new Error(`no handler for ${request.name} on ${msg.subject}`);
      const checked = checkPayload(request.payload, parseJson(msg.data));
      reply = checked.ok
        ? await this.invoke(handler, checked.value, new NatsRequestContext([msg.subject]))
        : errorReply(`${request.name}: ${checked.errors.join('; ')}`, true, msg.subject);
    } catch (error) {
      reply = errorReply(errorMessage(error), error instanceof InvalidJsonError, msg.subject);
    }
    if (msg.reply) msg.respond(JSON.stringify(reply));
  }

  private async invoke(handler: MessageHandler, payload: unknown, context: JetStreamContext | NatsRequestContext): Promise<unknown> {
    const result: unknown = await handler(payload, context);
    return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
  }

  /** Stops taking messages, waits (bounded) for the ones in flight. Called by Nest before the connection drains. */
  async close(): Promise<void> {
    this.stopped = true;
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    await Promise.all(this.runners.splice(0).map((runner) => runner.stop()));
  }

  on(): never {
    throw new Error('the JetStream transport emits no events');
  }

  unwrap<T>(): T {
    return this.nc as T;
  }
}

/**
 * checkMessage, with whatever it throws counted as a reason the message is not valid: the check is pure, so it
 * would throw again on every redelivery (retrying such a message only held a slot of the consumer's
 * max_ack_pending for every attempt's backoff).
 */
function checkPayload<T>(payload: DtoClass<T>, data: unknown): MessageCheck<T> {
  try {
    return checkMessage(payload, data);
  } catch (error) {
    return { ok: false, errors: [`could not be checked: ${errorMessage(error)}`] };
  }
}

class InvalidJsonError extends Error {}

function parseJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch (error) {
    throw new InvalidJsonError(`the request is not JSON: ${errorMessage(error)}`);
  }
}
