import { Inject, Injectable } from '@nestjs/common';
import { NatsConnection } from '@nats-io/transport-node';
import { checkMessage, RequestChannel, subjectMatches } from '@daedalus/contracts';
import { errorMessage } from '@daedalus/common';
import { NATS_CONNECTION } from '../nats.module';

/** The answer came, but it is not the channel's reply (not JSON, or not valid as its DTO). */
export class InvalidReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReplyError';
  }
}

/**
 * The client side of core NATS request/reply: one request on a channel of the catalogue, bounded by a timeout,
 * whose reply is validated against the channel's reply DTO. Throws the client's error when nobody answers in
 * time (TimeoutError, NoRespondersError) and InvalidReplyError for an answer that is not a reply.
 */
@Injectable()
export class NatsRequester {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /** `subject` defaults to the channel's own when it has no variable tokens. */
  async request<Req extends object, Res extends object>(
    channel: RequestChannel<Req, Res>,
    body: Req,
    options: { timeoutMs: number; subject?: string },
  ): Promise<Res> {
    const subject = options.subject ?? channel.address;
    if (!subjectMatches(channel.pattern, subject)) throw new Error(`${subject} is not a subject of ${channel.request.name}`);
    const msg = await this.nc.request(subject, JSON.stringify(body), { timeout: Math.max(1, Math.round(options.timeoutMs)) });
    let data: unknown;
    try {
      data = JSON.parse(new TextDecoder().decode(msg.data));
    } catch (error) {
      throw new InvalidReplyError(`the answer to ${channel.request.name} is not JSON: ${errorMessage(error)}`);
    }
    const checked = checkMessage(channel.reply.payload, data);
    if (!checked.ok) throw new InvalidReplyError(`the answer is not a ${channel.reply.name}: ${checked.errors.join('; ')}`);
    return checked.value;
  }
}
