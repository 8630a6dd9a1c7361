import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import {
  NodeQueryKind,
  NodeRegistration,
  newOperationRecord,
  OperationRecord,
  OperationState,
  RestoreRequest,
  SCHEMA_VERSION,
} from '@daedalus/contracts';
import { NodeRegistry, OperationStore } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { GatewayConfig } from '../gateway-config';
import { NodeAnswer, NodeQueryClient } from '../topology/node-query.client';
import { OperationPublisher } from './operation-publisher';
import { OperationsService } from './operations.service';

const H1 = '00000000-0000-4000-8000-000000000001';
const H2 = '00000000-0000-4000-8000-000000000002';
const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';

function registration(hostId: string, keyspaces: Record<string, string[]>): NodeRegistration {
  return {
    schemaVersion: SCHEMA_VERSION,
    hostId,
    address: `127.0.0.${hostId.slice(-1)}`,
    dc: 'dc1',
    rack: 'r1',
    tokens: [],
    clusterName: 'c',
    cassandraVersion: '4.1.7',
    schemaVersionId: 's',
    operationMode: 'NORMAL',
    dataDirectories: [],
    agentVersion: '0.1.0',
    startedAt: '',
    heartbeatAt: '',
    keyspaces,
  };
}

/** live answers by host: one for every call, or a sequence (the last one repeats) */
function harness(live: Record<string, NodeAnswer | NodeAnswer[]>, stored?: OperationRecord) {
  const registered = { shop: ['orders'] };
  const asked: Array<[string, NodeQueryKind]> = [];
  const published: string[] = [];
  const created: OperationRecord[] = [];
  const operations = {
    create: async (record: OperationRecord) => {
      created.push(record);
      return true;
    },
    get: async (id: string) => (stored?.id === id ? stored : undefined),
  } as unknown as OperationStore;
  const nodes = {
    list: async () => [H1, H2].map((h) => ({ registration: registration(h, registered), heartbeatAgeMs: 0 })),
  } as unknown as NodeRegistry;
  const publisher = {
    submit: async (record: OperationRecord) => void published.push(`submit ${record.id}`),
    resume: async (id: string, count: number) => void published.push(`resume ${id} ${count}`),
  } as unknown as OperationPublisher;
  const queries = {
    ask: async (hostId: string, query: NodeQueryKind) => {
      asked.push([hostId, query]);
      const answers = live[hostId];
      const answer = Array.isArray(answers) ? (answers.length > 1 ? answers.shift() : answers[0]) : answers;
      return answer ?? { ok: false, reason: `no answer from the agent of ${hostId}: TIMEOUT` };
    },
  } as unknown as NodeQueryClient;
  const config = { nodeQueryTimeoutMs: 2_000 } as GatewayConfig;
  const service = new OperationsService(operations, nodes, publisher, { now: () => new Date(0) } as Clock, config, queries);
  return { service, asked, published, created };
}

const schemaAnswer = (hostId: string, keyspaces: Record<string, string[]>): NodeAnswer => ({
  ok: true,
  reply: { schemaVersion: SCHEMA_VERSION, hostId, ok: true, schema: { keyspaces } },
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
    const { service, asked, published } = harness({});
    await service.submit({ type: 'flush', keyspace: 'shop', tables: ['orders'], globalRequest: true });
    expect(asked).toEqual([]);
    expect(published).toHaveLength(1);
  });

  it('accepts a table every target reports live, asking each for its schema', async () => {
    const { service, asked, created } = harness({ [H1]: schemaAnswer(H1, withNew), [H2]: schemaAnswer(H2, withNew) });
    const { created: isNew } = await service.submit(restore);
    expect(isNew).toBe(true);
    expect(created).toHaveLength(1);
    expect(asked.sort()).toEqual([
      [H1, 'schema'],
      [H2, 'schema'],
    ]);
  });

  it('asks again a node the new table has not reached yet while another has it (schema propagation), bounded', async () => {
    const { service, asked } = harness({
      [H1]: schemaAnswer(H1, withNew),
      [H2]: [schemaAnswer(H2, { shop: ['orders'] }), schemaAnswer(H2, withNew)],
    });
    const { created } = await service.submit(restore);
    expect(created).toBe(true);
    expect(asked.filter(([h]) => h === H2)).toHaveLength(2);
    expect(asked.filter(([h]) => h === H1)).toHaveLength(1);

    // a node that never gets it: refused once the --node-query-timeout-ms budget is spent
    const stuck = harness({ [H1]: schemaAnswer(H1, withNew), [H2]: schemaAnswer(H2, { shop: ['orders'] }) });
    const started = Date.now();
    await expect(stuck.service.submit(restore)).rejects.toMatchObject({
      response: { errors: [{ field: 'rename', message: `target table shop.orders_new does not exist on node(s) ${H2} (127.0.0.2)` }] },
    });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(stuck.asked.filter(([h]) => h === H2).length).toBeGreaterThan(2);
  });

  it('refuses a table no node has at once, naming the field', async () => {
    const { service, asked } = harness({ [H1]: schemaAnswer(H1, withNew), [H2]: schemaAnswer(H2, withNew) });
    const refused = service.submit({ type: 'flush', keyspace: 'shop', tables: ['nope'], globalRequest: true });
    await expect(refused).rejects.toThrow(BadRequestException);
    expect(asked).toHaveLength(2);
    await expect(refused).rejects.toMatchObject({
      response: { errors: [{ field: 'tables', message: 'table nope does not exist in keyspace shop' }] },
    });
  });

  it('refuses as before when an agent does not answer, saying the schema could not be confirmed live', async () => {
    const { service } = harness({ [H1]: schemaAnswer(H1, withNew) });
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
    const { service, published } = harness({}, restoreRecord({ state: OperationState.FAILED, phase: 'IMPORT', resumeCount: 1 }));
    expect((await service.resume(ID)).requested).toBe(true);
    expect(published).toEqual([`resume ${ID} 1`]);
  });

  it('returns a running operation unchanged', async () => {
    const running = restoreRecord({ state: OperationState.RUNNING, phase: 'IMPORT', resumeCount: 1 });
    const { service, published } = harness({}, running);
    expect(await service.resume(ID)).toEqual({ record: running, requested: false });
    expect(published).toEqual([]);
  });

  it('answers 409 saying why for anything else, 404 for an unknown id', async () => {
    const early = harness({}, restoreRecord({ state: OperationState.FAILED, phase: 'DOWNLOAD' }));
    await expect(early.service.resume(ID)).rejects.toThrow(ConflictException);
    await expect(early.service.resume(ID)).rejects.toThrow(/before TRUNCATE/);
    const done = harness({}, restoreRecord({ state: OperationState.COMPLETED, phase: 'CLEANUP' }));
    await expect(done.service.resume(ID)).rejects.toThrow(/is COMPLETED/);
    expect(early.published).toEqual([]);
    await expect(harness({}).service.resume(ID)).rejects.toThrow(NotFoundException);
  });
});
