/**
 * OperationsService over the in-memory KV fake (held to the same contract as the NATS buckets), the real
 * OperationStore and NodeRegistry, and the real OperationPublisher over a JetStream that records what is published:
 * the effects checked are the records stored and the messages sent.
 */
import { BadRequestException, ConflictException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { plainToInstance } from 'class-transformer';
import {
  MessageIds,
  NodeQueryKind,
  NodeRegistration,
  newOperationRecord,
  OperationRecord,
  OperationState,
  RestoreRequest,
  SCHEMA_VERSION,
  Subjects,
} from '@daedalus/contracts';
import { ActiveMarker, NodeRegistry, OperationStore } from '@daedalus/messaging';
import { MemoryJsonKv } from '@daedalus/messaging/testing/memory-json-kv';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import { GatewayConfig } from '../gateway-config';
import { NodeAnswer, NodeQueryClient } from '../topology/node-query.client';
import { operationIdForKey } from './operation-id';
import { OperationPublisher } from './operation-publisher';
import { OperationsService } from './operations.service';
import { testRegistration } from '@daedalus/contracts/testing/registrations';

const H1 = '00000000-0000-4000-8000-000000000001';
const H2 = '00000000-0000-4000-8000-000000000002';
const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const NOW = '2026-03-01T10:00:00.000Z';

function registration(hostId: string, keyspaces: Record<string, string[]>): NodeRegistration {
  return testRegistration({ hostId, keyspaces });
}

interface Published {
  subject: string;
  msgID?: string;
  body: Record<string, unknown>;
}

/** The JetStream the publisher talks to: records each publish; `down` makes publishing fail as an unreachable server does. */
function recordingJetStream() {
  const published: Published[] = [];
  const state = {
    down: undefined as Error | undefined,
    /** runs before a failing publish throws: e.g. a coordinator that took the request up all the same */
    meanwhile: undefined as (() => Promise<void>) | undefined,
  };
  const publish = async (subject: string, data: string, options?: { msgID?: string }): Promise<PubAck> => {
    if (state.down) {
      await state.meanwhile?.();
      throw state.down;
    }
    published.push({ subject, msgID: options?.msgID, body: JSON.parse(data) as Record<string, unknown> });
    return { stream: 'DAEDALUS_REQUESTS', seq: published.length, duplicate: false, domain: '' };
  };
  // only publish is used by the publisher
  return { client: { publish } as unknown as JetStreamClient, published, state };
}

interface HarnessOptions {
  /** live schema answers by host: one for every call, or a sequence (the last one repeats) */
  live?: Record<string, NodeAnswer | NodeAnswer[]>;
  /** a record already stored */
  stored?: OperationRecord;
  /** registered nodes (default H1 and H2 with shop.orders) */
  nodes?: NodeRegistration[];
  /** --local-node */
  localNode?: string;
  /** a host whose registration a listing misses (as one racing the heartbeat that rewrites it could) */
  listingMisses?: string;
}

/** Registrations whose listing leaves one key out while `get` still reads it. */
class MissingFromListing extends MemoryJsonKv<NodeRegistration> {
  constructor(
    clock: ManualClock,
    private readonly missed: string,
  ) {
    super(clock);
  }

  override async values() {
    return (await super.values()).filter((entry) => entry.key !== this.missed);
  }
}

async function harness(options: HarnessOptions = {}) {
  const clock = new ManualClock(NOW);
  const records = new MemoryJsonKv<OperationRecord>(clock);
  const active = new MemoryJsonKv<ActiveMarker>(clock);
  const registrations = options.listingMisses
    ? new MissingFromListing(clock, options.listingMisses)
    : new MemoryJsonKv<NodeRegistration>(clock);
  const registry = new NodeRegistry(registrations, clock);
  for (const node of options.nodes ?? [H1, H2].map((h) => registration(h, { shop: ['orders'] }))) await registry.put(node);
  if (options.stored) await records.put(options.stored.id, options.stored);
  const js = recordingJetStream();
  const asked: Array<[string, NodeQueryKind]> = [];
  const queries = {
    ask: async (hostId: string, query: NodeQueryKind) => {
      asked.push([hostId, query]);
      const answers = options.live?.[hostId];
      const answer = Array.isArray(answers) ? (answers.length > 1 ? answers.shift() : answers[0]) : answers;
      return answer ?? { ok: false, reason: `no answer from the agent of ${hostId}: TIMEOUT` };
    },
  } as unknown as NodeQueryClient;
  const config = { nodeQueryTimeoutMs: 2_000, localNode: options.localNode } as GatewayConfig;
  const operations = new OperationStore(records, active);
  const service = new OperationsService(operations, registry, new OperationPublisher(js.client, clock), clock, config, queries);
  const published = js.published;
  return { service, asked, published, records, active, operations, jetstream: js.state, clock };
}

const schemaAnswer = (hostId: string, keyspaces: Record<string, string[]>): NodeAnswer => ({
  ok: true,
  reply: { schemaVersion: SCHEMA_VERSION, hostId, ok: true, schema: { keyspaces } },
});

/** The rejection of a promise expected to fail. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the submission to be refused');
}

/** The `{field, message}` list of a 400. */
function fieldErrors(error: unknown): Array<{ field: string; message: string }> {
  expect(error).toBeInstanceOf(BadRequestException);
  return ((error as BadRequestException).getResponse() as { errors: Array<{ field: string; message: string }> }).errors;
}

/** The `{field, message}` list of a 409. */
function conflictErrors(error: unknown): Array<{ field: string; message: string }> {
  expect(error).toBeInstanceOf(ConflictException);
  return ((error as ConflictException).getResponse() as { errors: Array<{ field: string; message: string }> }).errors;
}

describe('OperationsService.submit', () => {
  const flush = { type: 'flush', keyspace: 'shop', tables: ['orders'], globalRequest: true };

  describe('validation', () => {
    it.each([
      ['a missing required field', { type: 'flush', globalRequest: true }, 'keyspace', 'Bad Request'],
      ['a field of the wrong type', { ...flush, globalRequest: 'yes' }, 'globalRequest', 'Bad Request'],
      ['a field the type does not have', { ...flush, color: 'blue' }, 'color', 'Bad Request'],
      ['a body without a type', { keyspace: 'shop' }, 'type', 'Bad Request'],
      ['an unknown type', { type: 'defragment' }, 'type', 'Unknown Operation Type'],
      ['a keyspace no node has', { ...flush, keyspace: 'nope' }, 'keyspace', 'Bad Request'],
    ])('answers %s with 400 naming the field, and stores and publishes nothing', async (_what, body, field, error) => {
      const { service, published, records } = await harness();
      const refused = await rejection(service.submit(body));
      expect(fieldErrors(refused).map((e) => e.field)).toContain(field);
      expect(((refused as BadRequestException).getResponse() as { error: string }).error).toBe(error);
      expect(await records.keys()).toEqual([]);
      expect(published).toEqual([]);
    });

    it('refuses an id and an Idempotency-Key that name different operations', async () => {
      const { service, records } = await harness();
      const refused = await rejection(service.submit({ ...flush, id: ID }, 'another key'));
      expect(fieldErrors(refused)).toEqual([{ field: 'id', message: 'id and the Idempotency-Key header name different operations' }]);
      expect(await records.keys()).toEqual([]);
    });
  });

  describe('creating and publishing', () => {
    it('stores a PENDING record under the client id (lower case), marks it active, and publishes SubmitOperation with its message id', async () => {
      const { service, published, operations, active } = await harness();
      const { record, created } = await service.submit({ ...flush, id: ID.toUpperCase() });
      expect(created).toBe(true);
      expect(record).toMatchObject({ id: ID, type: 'flush', state: OperationState.PENDING, creationTime: NOW });
      expect(await operations.get(ID)).toEqual(record);
      expect((await active.get(ID))?.value).toEqual({ since: NOW });
      expect(published).toEqual([
        {
          subject: Subjects.submit,
          msgID: MessageIds.submit(ID),
          body: {
            schemaVersion: SCHEMA_VERSION,
            operationId: ID,
            request: expect.objectContaining({ type: 'flush', keyspace: 'shop', tables: ['orders'], globalRequest: true, id: ID }),
            submittedAt: NOW,
          },
        },
      ]);
    });

    it('derives the id from the Idempotency-Key, and a random one without either', async () => {
      const { service } = await harness();
      expect((await service.submit(flush, 'nightly-flush-42')).record.id).toBe(operationIdForKey('nightly-flush-42'));
      const first = (await service.submit(flush)).record.id;
      const second = (await service.submit(flush)).record.id;
      expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(second).not.toBe(first);
    });
  });

  describe('idempotent resubmission', () => {
    it('returns the one operation for a repeated Idempotency-Key; a replay while PENDING publishes again under the same message id', async () => {
      const { service, published, records } = await harness();
      const first = await service.submit(flush, 'key-1');
      const again = await service.submit(flush, 'key-1');
      expect(again).toEqual({ record: first.record, created: false });
      expect(await records.keys()).toEqual([first.record.id]);
      // the gateway may have died between storing and publishing: JetStream drops the duplicate by its id
      expect(published.map((p) => p.msgID)).toEqual([MessageIds.submit(first.record.id), MessageIds.submit(first.record.id)]);
    });

    it('publishes nothing for a replay once the operation is under way, and answers 409 for the id reused by another type', async () => {
      const { service, published, operations } = await harness();
      const { record } = await service.submit({ ...flush, id: ID });
      await operations.mutate(ID, (r) => ({ ...r, state: OperationState.RUNNING }));
      const replay = await service.submit({ ...flush, id: ID });
      expect(replay.created).toBe(false);
      expect(replay.record.state).toBe(OperationState.RUNNING);
      expect(published).toHaveLength(1);
      await expect(service.submit({ type: 'cleanup', keyspace: 'shop', globalRequest: true, id: ID })).rejects.toThrow(ConflictException);
      expect((await operations.get(ID))?.type).toBe(record.type);
    });

    it('answers 409 naming id (or Idempotency-Key) for the id reused with another request, leaving the operation as it is', async () => {
      const { service, published, operations } = await harness();
      await service.submit({ ...flush, id: ID });
      const before = await operations.get(ID);
      const refused = await service.submit({ ...flush, id: ID, tables: undefined }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ConflictException);
      expect(conflictErrors(refused)).toEqual([
        { field: 'id', message: expect.stringContaining('already exists with a different request') },
      ]);
      const first = await service.submit(flush, 'key-2');
      const byKey = await service.submit({ ...flush, tables: undefined }, 'key-2').catch((error: unknown) => error);
      expect(conflictErrors(byKey)).toEqual([{ field: 'Idempotency-Key', message: expect.stringContaining('different request') }]);
      expect(await operations.get(ID)).toEqual(before);
      expect(published.map((p) => p.msgID)).toEqual([MessageIds.submit(ID), MessageIds.submit(first.record.id)]);
    });
  });

  describe('the target of a local request', () => {
    const local = { type: 'flush', keyspace: 'shop' };
    const two = [H1, H2].map((h) => registration(h, { shop: ['orders'] }));

    it('is the node named by hostId or by address; an unknown one is refused naming the field', async () => {
      const { service, published } = await harness({ nodes: two });
      expect((await service.submit({ ...local, hostId: H2 })).record.request.hostId).toBe(H2);
      expect((await service.submit({ ...local, address: '127.0.0.2' })).record.request.hostId).toBe(H2);
      expect(fieldErrors(await rejection(service.submit({ ...local, hostId: '00000000-0000-4000-8000-000000000009' })))).toEqual([
        { field: 'hostId', message: 'hostId 00000000-0000-4000-8000-000000000009 is not a registered node' },
      ]);
      expect(fieldErrors(await rejection(service.submit({ ...local, address: '10.9.9.9' })))[0].field).toBe('address');
      expect(published.map((p) => (p.body.request as { hostId?: string }).hostId)).toEqual([H2, H2]);
    });

    it('is the node named by hostId read by its key, even when a listing of the registrations misses it', async () => {
      const { service, published } = await harness({ nodes: two, listingMisses: H2 });
      expect((await service.submit({ ...local, hostId: H2 })).record.request.hostId).toBe(H2);
      expect(published.map((p) => (p.body.request as { hostId?: string }).hostId)).toEqual([H2]);
    });

    it("is the gateway's --local-node when the request names none, and the only node when one is registered", async () => {
      const byLocal = await harness({ nodes: two, localNode: '127.0.0.1' });
      expect((await byLocal.service.submit(local)).record.request.hostId).toBe(H1);
      const single = await harness({ nodes: [registration(H2, { shop: ['orders'] })] });
      expect((await single.service.submit(local)).record.request.hostId).toBe(H2);
    });

    it('is refused when several nodes are registered and none is named, or none is registered', async () => {
      const several = await harness({ nodes: two });
      expect(fieldErrors(await rejection(several.service.submit(local)))[0].field).toBe('globalRequest');
      const none = await harness({ nodes: [] });
      expect(fieldErrors(await rejection(none.service.submit(local)))).toEqual([
        { field: 'globalRequest', message: 'no node is registered to run this request' },
      ]);
      const missing = await harness({ nodes: two, localNode: '10.0.0.7' });
      expect(fieldErrors(await rejection(missing.service.submit(local)))[0].message).toContain("the gateway's local node 10.0.0.7");
    });

    it('checks names against the target only: a table only another node lacks does not refuse it', async () => {
      const nodes = [registration(H1, { shop: ['orders', 'only_here'] }), registration(H2, { shop: ['orders'] })];
      const { service, asked } = await harness({ nodes });
      const { record } = await service.submit({ type: 'flush', keyspace: 'shop', tables: ['only_here'], hostId: H1 });
      expect(record.request.hostId).toBe(H1);
      expect(asked).toEqual([]);
    });
  });

  describe('when the request cannot be published', () => {
    it('marks the record FAILED saying why, retires its active marker, and answers 503', async () => {
      const { service, published, operations, active, jetstream, clock } = await harness();
      jetstream.down = new Error('TIMEOUT');
      clock.advance(1_500);
      const refused = await rejection(service.submit({ ...flush, id: ID }));
      expect(refused).toBeInstanceOf(ServiceUnavailableException);
      expect((refused as Error).message).toBe('could not queue the request: TIMEOUT');
      expect(published).toEqual([]);
      expect(await operations.get(ID)).toMatchObject({
        state: OperationState.FAILED,
        completionTime: '2026-03-01T10:00:01.500Z',
        errors: [{ source: 'gateway', message: 'could not queue the request: TIMEOUT' }],
      });
      expect(await active.get(ID)).toBeUndefined();

      // the client retries the same id once JetStream is back: it gets the failed operation, nothing is published
      jetstream.down = undefined;
      const retried = await service.submit({ ...flush, id: ID });
      expect(retried).toMatchObject({ created: false, record: { state: OperationState.FAILED } });
      expect(published).toEqual([]);
    });

    it('leaves a record a coordinator already started as it is (the publish reached JetStream after all)', async () => {
      const { service, operations, jetstream } = await harness();
      jetstream.down = new Error('TIMEOUT');
      jetstream.meanwhile = async () => {
        await operations.mutate(ID, (record) => ({ ...record, state: OperationState.RUNNING }));
      };
      expect(await rejection(service.submit({ ...flush, id: ID }))).toBeInstanceOf(ServiceUnavailableException);
      expect(await operations.get(ID)).toMatchObject({ state: OperationState.RUNNING, errors: [] });
    });
  });
});

describe('OperationsService: names a registration does not know yet', () => {
  const withNew = { shop: ['orders', 'orders_new'] };
  const restore = {
    type: 'restore',
    storageLocation: 'file:///tmp/b',
    snapshotTag: 's',
    globalRequest: true,
    entities: 'shop.orders',
    rename: { 'shop.orders': 'shop.orders_new' },
  };

  it('asks no node when every name is registered', async () => {
    const { service, asked, published } = await harness();
    await service.submit({ type: 'flush', keyspace: 'shop', tables: ['orders'], globalRequest: true });
    expect(asked).toEqual([]);
    expect(published).toHaveLength(1);
  });

  it('accepts a table every target reports live, asking each for its schema', async () => {
    const { service, asked, records } = await harness({ live: { [H1]: schemaAnswer(H1, withNew), [H2]: schemaAnswer(H2, withNew) } });
    const { created: isNew } = await service.submit(restore);
    expect(isNew).toBe(true);
    expect(await records.keys()).toHaveLength(1);
    expect(asked.sort()).toEqual([
      [H1, 'schema'],
      [H2, 'schema'],
    ]);
  });

  it('asks again a node the new table has not reached yet while another has it (schema propagation), bounded', async () => {
    const { service, asked } = await harness({
      live: { [H1]: schemaAnswer(H1, withNew), [H2]: [schemaAnswer(H2, { shop: ['orders'] }), schemaAnswer(H2, withNew)] },
    });
    const { created } = await service.submit(restore);
    expect(created).toBe(true);
    expect(asked.filter(([h]) => h === H2)).toHaveLength(2);
    expect(asked.filter(([h]) => h === H1)).toHaveLength(1);

    // a node that never gets it: refused once the --node-query-timeout-ms budget is spent
    const stuck = await harness({ live: { [H1]: schemaAnswer(H1, withNew), [H2]: schemaAnswer(H2, { shop: ['orders'] }) } });
    const started = Date.now();
    await expect(stuck.service.submit(restore)).rejects.toMatchObject({
      response: { errors: [{ field: 'rename', message: `target table shop.orders_new does not exist on node(s) ${H2} (127.0.0.2)` }] },
    });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(stuck.asked.filter(([h]) => h === H2).length).toBeGreaterThan(2);
  });

  it('refuses a table no node has at once, naming the field', async () => {
    const { service, asked } = await harness({ live: { [H1]: schemaAnswer(H1, withNew), [H2]: schemaAnswer(H2, withNew) } });
    const refused = service.submit({ type: 'flush', keyspace: 'shop', tables: ['nope'], globalRequest: true });
    await expect(refused).rejects.toThrow(BadRequestException);
    expect(asked).toHaveLength(2);
    await expect(refused).rejects.toMatchObject({
      response: { errors: [{ field: 'tables', message: 'table nope does not exist in keyspace shop' }] },
    });
  });

  it('refuses as before when an agent does not answer, saying the schema could not be confirmed live', async () => {
    const { service } = await harness({ live: { [H1]: schemaAnswer(H1, withNew) } });
    const refused = service.submit(restore);
    await expect(refused).rejects.toMatchObject({
      response: {
        errors: [
          {
            field: 'rename',
            message: expect.stringContaining('(the schema could not be confirmed live: 00000000-0000-4000-8000-000000000002: no answer'),
          },
        ],
      },
    });
  });
});

describe('OperationsService.resume', () => {
  function restoreRecord(fields: Partial<OperationRecord>): OperationRecord {
    const request = plainToInstance(RestoreRequest, {
      type: 'restore',
      storageLocation: 'file:///tmp/b',
      snapshotTag: 's',
      globalRequest: true,
    });
    const node = { hostId: H1, address: '127.0.0.1', dc: 'dc1', state: OperationState.FAILED, progress: 0 };
    return { ...newOperationRecord(ID, request, new Date(0), SCHEMA_VERSION), nodes: { [H1]: node }, ...fields };
  }

  it('queues the resume of a restore that failed after TRUNCATE, once per resume count', async () => {
    const { service, published } = await harness({
      stored: restoreRecord({ state: OperationState.FAILED, phase: 'IMPORT', resumeCount: 1 }),
    });
    expect((await service.resume(ID)).requested).toBe(true);
    expect(published.map((p) => [p.subject, p.msgID])).toEqual([[Subjects.resume, MessageIds.resume(ID, 1)]]);
  });

  it('returns a running operation unchanged', async () => {
    const running = restoreRecord({ state: OperationState.RUNNING, phase: 'IMPORT', resumeCount: 1 });
    const { service, published } = await harness({ stored: running });
    expect(await service.resume(ID)).toEqual({ record: running, requested: false });
    expect(published).toEqual([]);
  });

  it('answers 409 saying why for anything else, 404 for an unknown id', async () => {
    const early = await harness({ stored: restoreRecord({ state: OperationState.FAILED, phase: 'DOWNLOAD' }) });
    await expect(early.service.resume(ID)).rejects.toThrow(ConflictException);
    await expect(early.service.resume(ID)).rejects.toThrow(/before TRUNCATE/);
    const done = await harness({ stored: restoreRecord({ state: OperationState.COMPLETED, phase: 'CLEANUP' }) });
    await expect(done.service.resume(ID)).rejects.toThrow(/is COMPLETED/);
    expect(early.published).toEqual([]);
    await expect((await harness()).service.resume(ID)).rejects.toThrow(NotFoundException);
  });
});
