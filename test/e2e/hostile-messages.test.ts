/**
 * Poison messages (issue #11): a flood of junk on daedalus.requests.submit, published straight to JetStream by a
 * bad producer, must neither stall valid work nor come back. Every junk message is dead-lettered once and leaves
 * the work queue; a submission with a usable operationId whose request is hostile (5,000 levels deep, a
 * `constructor` key) becomes a FAILED record naming the field; a handler that keeps failing is redelivered a
 * bounded number of times, then dead-lettered. Runs on the nats-server the project supports (2.9 and later).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AckPolicy, JetStreamClient, jetstream, JetStreamManager, jetstreamManager, StoredMsg } from '@nats-io/jetstream';
import { headers, NatsConnection } from '@nats-io/transport-node';
import { Consumers, Headers, MessageIds, Streams, Subjects } from '@daedalus/contracts';
import { waitFor } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';

jest.setTimeout(300_000);

const DEPTH = 5_000;
const nested = (depth: number, leaf = '1'): string => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
const nestedArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

/** Bodies a bad producer might send: none has a usable operationId, so none can become an operation. */
function junk(i: number): string | Uint8Array {
  const kinds: Array<() => string | Uint8Array> = [
    () => `{not json ${i}`,
    () => Uint8Array.from({ length: 64 }, (_, k) => (k * 37 + i) % 256),
    () => '',
    () => String(i),
    () => 'null',
    () => `["submit", ${i}]`,
    () => JSON.stringify({ schemaVersion: '1.0', request: { type: 'flush', keyspace: 'ks1', globalRequest: true } }),
    () => JSON.stringify({ schemaVersion: '1.0', operationId: `not-a-uuid-${i}`, request: { type: 'flush' } }),
    () => JSON.stringify({ schemaVersion: '9.0', operationId: randomUUID(), request: { type: 'flush' } }),
    () => `{"schemaVersion":"1.0","request":${nested(DEPTH)}}`,
    () => `{"schemaVersion":"1.0","operationId":${nestedArray(DEPTH)},"request":{}}`,
    () => nestedArray(DEPTH),
    () => `{"schemaVersion":"1.0","operationId":"${randomUUID()}","submittedAt":${nested(DEPTH)},"request":{}}`,
    () => `{"__proto__":{"schemaVersion":"1.0"},"constructor":{"prototype":{"x":1}},"request":{}}`,
    () => `{"schemaVersion":"1.0","operationId":"${randomUUID()}","constructor":{"name":"x"},"request":{"type":"flush"}}`,
  ];
  return kinds[i % kinds.length]();
}

describe('poison messages', () => {
  let system: DaedalusSystem;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    // a small attempt bound keeps the transient-failure case short (0.5 s + 1 s of backoff)
    system = await DaedalusSystem.start({ nodes: 1, coordinators: 2, coordinatorArgs: ['--max-attempts', '3'] });
    await system.createTables('ks1', ['t1']);
    nc = await system.connectNats();
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
  }, 180_000);

  afterAll(async () => {
    await nc?.close();
    await system?.stop();
  }, 60_000);

  const consumerInfo = () => jsm.consumers.info(Streams.requests, Consumers.coordinatorSubmits);
  const cancelConsumerInfo = () => jsm.consumers.info(Streams.requests, Consumers.coordinatorCancels);
  const deadLetterSubject = Subjects.deadLetterFor(Streams.requests);
  const deadLetterCount = async (): Promise<number> => {
    const info = await jsm.streams.info(Streams.deadLetters, { subjects_filter: deadLetterSubject });
    return info.state.subjects?.[deadLetterSubject] ?? 0;
  };

  async function publishSubmit(operationId: string, body: string): Promise<void> {
    await js.publish(Subjects.submit, body, { msgID: MessageIds.submit(operationId) });
  }

  /** Every dead letter of the requests stream, oldest first. */
  async function deadLetters(): Promise<StoredMsg[]> {
    const info = await jsm.streams.info(Streams.deadLetters);
    const out: StoredMsg[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const stored = await jsm.streams.getMessage(Streams.deadLetters, { seq }).catch(() => null);
      if (stored?.subject === deadLetterSubject) out.push(stored);
    }
    return out;
  }

  it('keeps valid submissions completing within seconds while junk floods the submit subject, and settles every junk message once', async () => {
    const before = await consumerInfo();
    const lettersBefore = await deadLetterCount();

    let published = 0;
    let flooding = true;
    const publishBatch = async (size: number) => {
      const batch = Array.from({ length: size }, (_, k) => js.publish(Subjects.submit, junk(published + k)));
      published += size;
      await Promise.all(batch);
    };
    // a backlog of 1,000 at once (four times max_ack_pending), then 20 more every 100 ms (up to 200/s) all the
    // time the valid submissions run
    await publishBatch(1_000);
    const flood = (async () => {
      while (flooding) {
        await publishBatch(20);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    const timings: string[] = [];
    const floodStarted = Date.now();
    try {
      for (let round = 0; round < 4; round++) {
        const started = Date.now();
        let id: string;
        if (round % 2 === 0) {
          const created = await system.post('/operations', { type: 'flush', keyspace: 'ks1', globalRequest: true });
          expect(created.status).toBe(201);
          id = (created.body as OperationView).id;
        } else {
          // straight to the submit subject, as a direct client (or the bad producer itself, once) would
          id = randomUUID();
          const message = { schemaVersion: '1.0', operationId: id, request: { type: 'flush', keyspace: 'ks1', globalRequest: true } };
          await publishSubmit(id, JSON.stringify(message));
        }
        const done = await system.waitForOperation(id, undefined, 30_000);
        const took = Date.now() - started;
        timings.push(`${round % 2 === 0 ? 'POST' : 'subject'} ${took} ms`);
        expect(done.state).toBe('COMPLETED');
        expect(took).toBeLessThan(15_000);
        // spread the rounds over the flood
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    } finally {
      flooding = false;
      await flood;
    }
    const floodMs = Date.now() - floodStarted;
    console.log(`flood of ${published} junk messages over ${floodMs} ms; valid submissions completed in: ${timings.join(', ')}`);
    expect(published).toBeGreaterThanOrEqual(1_300);

    // every junk message settled: nothing left to deliver or waiting for an ack, and each dead-lettered once
    const floodEnded = Date.now();
    const settled = await waitFor(
      'the consumer to settle the flood',
      async () => {
        const info = await consumerInfo();
        return info.num_pending === 0 && info.num_ack_pending === 0 ? info : undefined;
      },
      60_000,
      200,
    );
    console.log(`the last junk message was settled ${Date.now() - floodEnded} ms after the flood ended`);
    expect(await deadLetterCount()).toBe(lettersBefore + published);
    expect(settled.num_redelivered).toBe(before.num_redelivered);
    const stream = await jsm.streams.info(Streams.requests);
    expect(stream.state.messages).toBe(0);

    const letters = (await deadLetters()).slice(lettersBefore);
    expect(letters).toHaveLength(published);
    expect(letters.every((letter) => letter.header.get(Headers.deadLetterDeliveries) === '1')).toBe(true);

    // nor does the log flood: at most 20 dead-letter lines a minute per coordinator (the test takes < 2 minutes)
    for (const coordinator of ['coordinator-1', 'coordinator-2']) {
      const log = readFileSync(join(system.baseDir, 'logs', `${coordinator}.log`), 'latin1');
      expect(log.split('\n').filter((line) => line.includes('dead-lettered:')).length).toBeLessThanOrEqual(40);
    }

    // and none comes back: the consumer delivers nothing more over two ack waits (4 s each here)
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    const after = await consumerInfo();
    expect(after.delivered.consumer_seq).toBe(settled.delivered.consumer_seq);
    expect({ pending: after.num_ack_pending, redelivered: after.num_redelivered }).toEqual({
      pending: 0,
      redelivered: before.num_redelivered,
    });
    expect(await deadLetterCount()).toBe(lettersBefore + published);
  });

  it.each([
    [
      '5,000 levels deep',
      (id: string) => `{"schemaVersion":"1.0","operationId":"${id}","request":{"type":"flush","keyspace":"ks1","tables":${nested(DEPTH)}}}`,
      'tables',
    ],
    [
      'a constructor key',
      (id: string) =>
        `{"schemaVersion":"1.0","operationId":"${id}","request":{"type":"restore","storageLocation":"s3://bucket","snapshotTag":"t","rename":{"constructor":"x"}}}`,
      'rename.constructor',
    ],
    [
      'a __proto__ key',
      (id: string) =>
        `{"schemaVersion":"1.0","operationId":"${id}","request":{"type":"flush","keyspace":"ks1","__proto__":{"globalRequest":true}}}`,
      '__proto__',
    ],
  ])('turns a direct submission with %s into a FAILED record naming the field', async (_case, body, field) => {
    const lettersBefore = await deadLetterCount();
    const id = randomUUID();
    await publishSubmit(id, body(id));
    const done = await system.waitForOperation(id, undefined, 15_000);
    expect(done.state).toBe('FAILED');
    expect(done.errors).toEqual([{ source: 'coordinator', message: expect.stringContaining(field) }]);
    expect(await deadLetterCount()).toBe(lettersBefore);
  });

  it('redelivers a message whose handler keeps failing a bounded number of times, then dead-letters it once', async () => {
    // a cancel of an operation nobody submitted: "not known yet" is a retryable failure
    const id = randomUUID();
    const h = headers();
    h.set(Headers.schemaVersion, '1.0');
    await js.publish(Subjects.cancel, JSON.stringify({ schemaVersion: '1.0', operationId: id }), {
      msgID: MessageIds.cancel(id),
      headers: h,
    });
    const letter = await waitFor(
      'the dead letter of the cancel',
      async () => {
        const stored = await jsm.streams.getMessage(Streams.deadLetters, { last_by_subj: deadLetterSubject }).catch(() => null);
        return stored && stored.json<{ operationId?: string }>().operationId === id ? stored : undefined;
      },
      30_000,
    );
    expect(letter.header.get(Headers.deadLetterReason)).toContain('gave up after 3 attempts');
    expect(letter.header.get(Headers.deadLetterDeliveries)).toBe('3');
    const lettersAfter = await deadLetterCount();
    const settled = await cancelConsumerInfo();
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    const after = await cancelConsumerInfo();
    expect(after.delivered.consumer_seq).toBe(settled.delivered.consumer_seq);
    expect(after.num_ack_pending).toBe(0);
    expect(await deadLetterCount()).toBe(lettersAfter);
    // the server's own bound agrees: one delivery more than the attempts, for a handler that kept dying
    expect(settled.config.max_deliver).toBe(4);
  });

  it('bounds redelivery and pending on every consumer, and brings a consumer an older version created up to date', async () => {
    const bounds = async () => {
      const out: Record<string, { maxDeliver: number; maxAckPending: number }> = {};
      for (const stream of [Streams.requests, Streams.events, Streams.commands]) {
        for await (const info of jsm.consumers.list(stream)) {
          out[info.name] = { maxDeliver: info.config.max_deliver ?? -1, maxAckPending: info.config.max_ack_pending ?? -1 };
        }
      }
      return out;
    };
    // coordinators run with --max-attempts 3, the agent with its default 5: one delivery more each
    const coordinatorBound = { maxDeliver: 4, maxAckPending: 256 };
    expect(await bounds()).toEqual({
      [Consumers.coordinatorSubmits]: coordinatorBound,
      [Consumers.coordinatorCancels]: coordinatorBound,
      [Consumers.coordinatorResumes]: coordinatorBound,
      [Consumers.coordinatorAlerts]: coordinatorBound,
      [Consumers.coordinatorEvents]: coordinatorBound,
      [Consumers.agentCommands(system.nodes[0].hostId)]: { maxDeliver: 6, maxAckPending: 256 },
    });

    // as an older version left it: unbounded redelivery. A coordinator restarted on it bounds it again.
    await jsm.consumers.update(Streams.requests, Consumers.coordinatorSubmits, { max_deliver: -1 });
    expect((await consumerInfo()).config.max_deliver).toBe(-1);
    await system.group.kill(system.coordinators[0], 'SIGTERM');
    await system.startCoordinator(0);
    expect((await consumerInfo()).config.max_deliver).toBe(4);
    const created = await system.post('/operations', { type: 'flush', keyspace: 'ks1', globalRequest: true });
    expect((await system.waitForOperation((created.body as OperationView).id)).state).toBe('COMPLETED');
  });

  it('takes over from the one request consumer an older version used, losing no request that waited in it', async () => {
    // as an older version left the broker: every coordinator stopped, the stream taking `requests.>`, one
    // consumer for every request (unbounded redelivery), and a submission waiting in it
    await Promise.all(system.coordinators.map((coordinator) => system.group.kill(coordinator, 'SIGTERM')));
    const perKind = [Consumers.coordinatorSubmits, Consumers.coordinatorCancels, Consumers.coordinatorResumes, Consumers.coordinatorAlerts];
    for (const durable of perKind) {
      await jsm.consumers.delete(Streams.requests, durable);
    }
    await jsm.streams.update(Streams.requests, { subjects: ['daedalus.requests.>'] });
    await jsm.consumers.add(Streams.requests, {
      durable_name: Consumers.retiredCoordinatorRequests,
      ack_policy: AckPolicy.Explicit,
      filter_subject: 'daedalus.requests.>',
      max_deliver: -1,
    });
    const id = randomUUID();
    const message = { schemaVersion: '1.0', operationId: id, request: { type: 'flush', keyspace: 'ks1', globalRequest: true } };
    await publishSubmit(id, JSON.stringify(message));

    for (let i = 0; i < system.coordinators.length; i++) await system.startCoordinator(i);
    expect((await system.waitForOperation(id, undefined, 30_000)).state).toBe('COMPLETED');
    const names: string[] = [];
    for await (const info of jsm.consumers.list(Streams.requests)) names.push(info.name);
    expect(names.sort()).toEqual(
      [Consumers.coordinatorAlerts, Consumers.coordinatorCancels, Consumers.coordinatorResumes, Consumers.coordinatorSubmits].sort(),
    );
    expect((await jsm.streams.info(Streams.requests)).config.subjects).toEqual([
      Subjects.submit,
      Subjects.cancel,
      Subjects.resume,
      Subjects.alert,
    ]);
    // and a request on any other subject finds no stream, rather than waiting in one no consumer reads
    await expect(js.publish('daedalus.requests.bogus', '{}')).rejects.toThrow();
  });

  it('keeps valid submissions completing while cancels of operations nobody submitted fill the cancel consumer', async () => {
    // a valid-looking cancel of an unknown operation is retried (its submit may still be on the way), so it holds
    // one of the cancel consumer's 256 pending slots through its backoff (1.5 s here): hundreds a second keep it full
    let published = 0;
    let flooding = true;
    let mostPending = 0;
    const publishCancels = async (count: number) => {
      const ids = Array.from({ length: count }, () => randomUUID());
      published += count;
      await Promise.all(
        ids.map((id) =>
          js.publish(Subjects.cancel, JSON.stringify({ schemaVersion: '1.0', operationId: id }), { msgID: MessageIds.cancel(id) }),
        ),
      );
    };
    const flood = (async () => {
      while (flooding) {
        await publishCancels(100);
        mostPending = Math.max(mostPending, (await cancelConsumerInfo()).num_ack_pending);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const timings: number[] = [];
    try {
      await waitFor('the cancel consumer to fill up', async () => mostPending >= 250, 30_000, 100);
      // long enough for a backlog of cancels to build up behind the full consumer: had submits shared their
      // consumer (as they once did), each would now queue behind thousands of cancels for many seconds
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      for (let round = 0; round < 3; round++) {
        const started = Date.now();
        const created = await system.post('/operations', { type: 'flush', keyspace: 'ks1', globalRequest: true });
        expect(created.status).toBe(201);
        expect((await system.waitForOperation((created.body as OperationView).id, undefined, 30_000)).state).toBe('COMPLETED');
        timings.push(Date.now() - started);
      }
    } finally {
      flooding = false;
      await flood;
    }
    console.log(
      `${published} cancels of unknown operations (up to ${mostPending} pending at once): valid submissions completed in ${timings.join(', ')} ms`,
    );
    expect(mostPending).toBeGreaterThanOrEqual(250);
    expect(Math.max(...timings)).toBeLessThan(5_000);
    // the cancels themselves end as dead letters, none left behind
    await waitFor(
      'every cancel to be settled',
      async () => {
        const info = await cancelConsumerInfo();
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      120_000,
      500,
    );
  });
});
