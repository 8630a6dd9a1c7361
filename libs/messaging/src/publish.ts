import { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { Headers, MessageIds, OperationRecord, SCHEMA_VERSION, Subjects, SubmitOperationMessage } from '@daedalus/contracts';

/** Publishes a JSON message on JetStream with a de-duplication id and the schema version header. */
export async function publishJson(js: JetStreamClient, subject: string, body: object, messageId: string): Promise<PubAck> {
  const h = natsHeaders();
  h.set(Headers.schemaVersion, SCHEMA_VERSION);
  return js.publish(subject, JSON.stringify(body), { msgID: messageId, headers: h, timeout: 10_000 });
}

/**
 * Queues an operation whose PENDING record exists: SubmitOperation with `Nats-Msg-Id: submit.<id>`, so a repeat
 * (a retried HTTP submission, a schedule's run fired by two coordinators) is dropped by JetStream.
 */
export async function publishSubmission(js: JetStreamClient, record: OperationRecord, submittedAt: Date): Promise<PubAck> {
  const message: SubmitOperationMessage = {
    schemaVersion: SCHEMA_VERSION,
    operationId: record.id,
    request: { ...record.request },
    submittedAt: submittedAt.toISOString(),
    ...(record.submittedBy !== undefined ? { submittedBy: record.submittedBy } : {}),
  };
  return publishJson(js, Subjects.submit, message, MessageIds.submit(record.id));
}
