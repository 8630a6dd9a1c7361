/**
 * The public protocol and durability: a client that publishes straight to JetStream (no HTTP) gets the same
 * operation, validation and updates; an unknown schema major is dead-lettered with its reason; operation
 * records survive a restart of every service, nats-server included.
 */
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, NatsConnection } from '@nats-io/transport-node';
import { Consumers, Headers, MessageIds, OperationRecord, Streams, Subjects, SubmitOperationMessage } from '@daedalus/contracts';
import { waitFor } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';

describe('public protocol and durability', () => {
  let system: DaedalusSystem;
  let nc: NatsConnection;

  beforeAll(async () => {
    system = await DaedalusSystem.start({ nodes: 2, coordinators: 2 });
    await system.createTables('ks1', ['t1'], 20);
    nc = await connect({ servers: system.nats.url, maxReconnectAttempts: -1 });
  }, 180_000);

  afterAll(async () => {
    await nc?.close();
    await system?.stop();
  }, 60_000);

  function submitMessage(request: Record<string, unknown>, schemaVersion = '1.0'): SubmitOperationMessage {
    return { schemaVersion, operationId: randomUUID(), request, submittedAt: new Date().toISOString() };
  }

  async function publish(message: SubmitOperationMessage): Promise<void> {
    const h = headers();
    h.set(Headers.schemaVersion, message.schemaVersion);
    await jetstream(nc).publish(Subjects.submit, JSON.stringify(message), { msgID: MessageIds.submit(message.operationId), headers: h });
  }

  it('runs a request published straight to JetStream and announces every change of its record', async () => {
    const message = submitMessage({ type: 'flush', keyspace: 'ks1', globalRequest: true });
    const updates: OperationRecord[] = [];
    const subscription = nc.subscribe(Subjects.operationUpdates(message.operationId), {
      callback: (_error, msg) => {
        updates.push(msg.json<OperationRecord>());
      },
    });
    await publish(message);
    await publish(message); // a repeat with the same Nats-Msg-Id is dropped by JetStream
    const done = await system.waitForOperation(message.operationId);
    // The record in KV and its announcement on core NATS race each other: the gateway may see COMPLETED
    // before the last update reaches this subscriber, so wait (bounded) for the announcements too. Both
    // of them: with two coordinators, RUNNING and COMPLETED may come from different connections, and core
    // NATS orders messages per publisher only, so seeing COMPLETED does not mean RUNNING has arrived.
    const announced = (state: string) => updates.some((u) => u.state === state);
    await waitFor('the RUNNING and COMPLETED announcements', () => announced('RUNNING') && announced('COMPLETED'), 15_000, 50);
    subscription.unsubscribe();
    expect(done.state).toBe('COMPLETED');
    expect(updates.map((u) => u.state)).toContain('RUNNING');
    expect(updates.filter((u) => u.state === 'COMPLETED')[0]).toMatchObject({ id: message.operationId, progress: 1 });
    const all = (await system.get('/operations')).body as OperationView[];
    expect(all.filter((op) => op.id === message.operationId)).toHaveLength(1);
  });

  it('turns an invalid direct request into a FAILED record naming the field', async () => {
    const message = submitMessage({ type: 'flush', keyspace: 'not-a-name', globalRequest: true });
    await publish(message);
    const done = await system.waitForOperation(message.operationId);
    expect(done.state).toBe('FAILED');
    expect(done.errors).toEqual([{ source: 'coordinator', message: expect.stringContaining('keyspace must be a Cassandra identifier') }]);
  });

  it('dead-letters a message of an unknown schema major, with the reason', async () => {
    const message = submitMessage({ type: 'flush', keyspace: 'ks1', globalRequest: true }, '2.0');
    await publish(message);
    const jsm = await jetstreamManager(nc);
    const letter = await waitFor(
      'the dead letter',
      async () => {
        const stored = await jsm.streams
          .getMessage(Streams.deadLetters, { last_by_subj: Subjects.deadLetterFor(Streams.requests) })
          .catch(() => null);
        return stored && stored.json<SubmitOperationMessage>().operationId === message.operationId ? stored : undefined;
      },
      30_000,
    );
    expect(letter.header.get(Headers.deadLetterReason)).toContain('unsupported schemaVersion "2.0"');
    expect(letter.header.get(Headers.deadLetterSubject)).toBe(Subjects.submit);
    expect((await system.get(`/operations/${message.operationId}`)).status).toBe(404);

    // settled for good: nats-server 2.9 ignores a term that carries a reason, and the message then came back
    // after every ack wait (4 s here) to be dead-lettered again. Nothing else is published meanwhile.
    const deliveries = async () => (await jsm.consumers.info(Streams.requests, Consumers.coordinatorSubmits)).delivered.consumer_seq;
    const settled = await deliveries();
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    expect(await deliveries()).toBe(settled);
    const info = await jsm.consumers.info(Streams.requests, Consumers.coordinatorSubmits);
    expect({ pending: info.num_ack_pending, redelivered: info.num_redelivered }).toEqual({ pending: 0, redelivered: 0 });
  });

  it('keeps finished operations queryable across a restart of every service and nats-server', async () => {
    const before = (await system.get('/operations')).body as OperationView[];
    expect(before.length).toBeGreaterThanOrEqual(2);
    await system.restartServices();
    const after = (await system.get('/operations')).body as OperationView[];
    expect(after.map((op) => [op.id, op.state])).toEqual(before.map((op) => [op.id, op.state]));
    const created = await system.post('/operations', { type: 'flush', keyspace: 'ks1', globalRequest: true });
    expect((await system.waitForOperation((created.body as OperationView).id)).state).toBe('COMPLETED');
  });
});
