import { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { Headers, SCHEMA_VERSION } from '@daedalus/contracts';

/** Publishes a JSON message on JetStream with a de-duplication id and the schema version header. */
export async function publishJson(js: JetStreamClient, subject: string, body: object, messageId: string): Promise<PubAck> {
  const h = natsHeaders();
  h.set(Headers.schemaVersion, SCHEMA_VERSION);
  return js.publish(subject, JSON.stringify(body), { msgID: messageId, headers: h, timeout: 10_000 });
}
