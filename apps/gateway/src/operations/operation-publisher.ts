import { Inject, Injectable } from '@nestjs/common';
import { JetStreamClient } from '@nats-io/jetstream';
import {
  CancelOperationMessage,
  MessageIds,
  OperationRecord,
  SCHEMA_VERSION,
  Subjects,
  SubmitOperationMessage,
} from '@daedalus/contracts';
import { Clock, JETSTREAM, publishJson } from '@daedalus/messaging';

/** The gateway's outbound side: submit and cancel requests onto the request stream. */
@Injectable()
export class OperationPublisher {
  constructor(@Inject(JETSTREAM) private readonly js: JetStreamClient, private readonly clock: Clock) {}

  async submit(record: OperationRecord): Promise<void> {
    const message: SubmitOperationMessage = {
      schemaVersion: SCHEMA_VERSION,
      operationId: record.id,
      request: { ...record.request },
      submittedAt: this.clock.now().toISOString(),
    };
    await publishJson(this.js, Subjects.submit, message, MessageIds.submit(record.id));
  }

  async cancel(operationId: string): Promise<void> {
    const message: CancelOperationMessage = {
      schemaVersion: SCHEMA_VERSION,
      operationId,
      requestedAt: this.clock.now().toISOString(),
    };
    await publishJson(this.js, Subjects.cancel, message, MessageIds.cancel(operationId));
  }
}
