import { Inject, Injectable } from '@nestjs/common';
import { JetStreamClient } from '@nats-io/jetstream';
import { MessageIds, NodeEventKind, RestoreLedgerFact, SCHEMA_VERSION, Subjects } from '@daedalus/contracts';
import { JETSTREAM, publishJson, Signing, signEvent } from '@daedalus/messaging';
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
    private readonly signing: Signing = new Signing(),
  ) {}

  /** `run` is the operation's resume count: a resumed run's results are not dropped as repeats of the failed run's. */
  async publish(
    operationId: string,
    hostId: string,
    kind: NodeEventKind,
    fields: { progress: number; message?: string; phase?: string; result?: unknown; ledger?: RestoreLedgerFact; round?: number },
    run = 0,
  ): Promise<void> {
    // signed with the key coordinators share, when configured: a client cannot report for this node; the run
    // it answers is named, so a result of an earlier run replayed into a resumed one changes nothing
    const { round, ...rest } = fields;
    const event = signEvent(this.signing.key, {
      schemaVersion: SCHEMA_VERSION,
      kind,
      operationId,
      hostId,
      at: this.clock.now().toISOString(),
      ...rest,
      // the node's round after a pause at a window's end (absent for the first): its events are not the earlier round's
      ...(round ? { round } : {}),
      // an error text or a result may quote a secret the request carried (an SDK naming the KMS key): not onward
      ...(fields.message !== undefined ? { message: this.scrubber.scrub(fields.message) } : {}),
      ...(fields.result !== undefined ? { result: this.scrubber.scrubValue(fields.result) } : {}),
      resume: run,
    });
    // Resolves once JetStream stored the event (its ack): a ledger fact is durable in the events stream before
    // the agent goes on. Progress events (ledger facts among them) are all distinct; results are de-duplicated so a re-run after redelivery reports once.
    const id = kind === 'progress' ? `event.${randomUUID()}` : MessageIds.event(operationId, hostId, kind, fields.phase, run, round);
    const subject = Subjects.eventsFor(operationId, hostId);
    const ack = await publishJson(this.js, subject, event, id);
    // Dropped as a duplicate: this agent's own earlier copy (a retry, a re-run) — or a message another client
    // published first under this id, which the coordinator refuses, so ours would never count. Sent once more
    // under a unique id: a second copy of a result changes nothing (the first result wins).
    if (ack.duplicate && kind !== 'progress') await publishJson(this.js, subject, event, `${id}.again.${randomUUID()}`);
  }
}
