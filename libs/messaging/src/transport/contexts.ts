import { BaseRpcContext } from '@nestjs/microservices';
import { MessageContext } from '../consumer-runner';

/**
 * What a handler of a JetStream message may know about its delivery (`@Ctx()`): the subject, which delivery
 * this is, and whether a failure now dead-letters the message instead of retrying it.
 */
export class JetStreamContext extends BaseRpcContext<[MessageContext]> implements MessageContext {
  get subject(): string {
    return this.args[0].subject;
  }

  get attempt(): number {
    return this.args[0].attempt;
  }

  get isLastAttempt(): boolean {
    return this.args[0].isLastAttempt;
  }
}

/** The context of a core NATS request (`@Ctx()` of a `@MessagePattern` handler): the subject it was sent to. */
export class NatsRequestContext extends BaseRpcContext<[string]> {
  get subject(): string {
    return this.args[0];
  }
}
