import { Inject, Injectable } from '@nestjs/common';
import { JetStreamClient } from '@nats-io/jetstream';
import { MessageIds, NodeEventKind, NodeEventMessage, SCHEMA_VERSION, Subjects } from '@daedalus/contracts';
import { JETSTREAM, publishJson } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { randomUUID } from 'node:crypto';
import { SecretScrubber } from './secret-scrubber';

/** Publishes this node's progress and results for an operation, without the secrets its requests carried. */
@Injectable()
export class EventPublisher {
  constructor(
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    private readonly clock: Clock,
    private readonly scrubber: SecretScrubber,
  ) {}

  /** `run` is the operation's resume count: a resumed run's results are not dropped as repeats of the failed run's. */
  async publish(
    operationId: string,
    hostId: string,
    kind: NodeEventKind,
    fields: { progress: number; message?: string; phase?: string; result?: unknown },
    run = 0,
  ): Promise<void> {
    const event: NodeEventMessage = {
      schemaVersion: SCHEMA_VERSION,
      kind,
      operationId,
      hostId,
      at: this.clock.now().toISOString(),
      ...fields,
      // an error text or a result may quote a secret the request carried (an SDK naming the KMS key): not onward
      ...(fields.message !== undefined ? { message: this.scrubber.scrub(fields.message) } : {}),
      ...(fields.result !== undefined ? { result: this.scrubber.scrubValue(fields.result) } : {}),
    };
    // Progress events are all distinct; results are de-duplicated so a re-run after redelivery reports once.
    const id = kind === 'progress' ? `event.${randomUUID()}` : MessageIds.event(operationId, hostId, kind, fields.phase, run);
    await publishJson(this.js, Subjects.eventsFor(operationId, hostId), event, id);
  }
}
