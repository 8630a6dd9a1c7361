import { ServiceUnavailableException } from '@nestjs/common';
import { NodeRegistration, OperationRecord, OperationState, SCHEMA_VERSION } from '@daedalus/contracts';
import { NodeRegistry, OperationStore } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { GatewayConfig } from '../gateway-config';
import { NodeQueryClient } from '../topology/node-query.client';
import { OperationPublisher } from './operation-publisher';
import { OperationsService } from './operations.service';

const H1 = '00000000-0000-4000-8000-000000000001';
const NOW = new Date('2026-01-01T00:00:00Z');

const registration: NodeRegistration = {
  schemaVersion: SCHEMA_VERSION,
  hostId: H1,
  address: '127.0.0.1',
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
  keyspaces: { shop: ['orders'] },
};

/** A store holding one record, applying mutations as the KV store's compare-and-set would. */
function harness(startedBeforeMutate = false) {
  let stored: OperationRecord | undefined;
  const operations = {
    create: async (record: OperationRecord) => {
      stored = record;
      return true;
    },
    get: async () => stored,
    mutate: async (_id: string, mutation: (record: OperationRecord) => OperationRecord | undefined) => {
      if (!stored) return undefined;
      // a coordinator may have taken the request up although publishing reported a failure
      if (startedBeforeMutate) stored = { ...stored, state: OperationState.RUNNING };
      stored = mutation(stored) ?? stored;
      return stored;
    },
  } as unknown as OperationStore;
  const nodes = { list: async () => [{ registration, heartbeatAgeMs: 0 }] } as unknown as NodeRegistry;
  const publisher = {
    submit: async () => {
      throw new Error('no responders');
    },
  } as unknown as OperationPublisher;
  const config = { nodeQueryTimeoutMs: 1_000 } as GatewayConfig;
  const service = new OperationsService(operations, nodes, publisher, { now: () => NOW } as Clock, config, {} as NodeQueryClient);
  return { service, stored: () => stored };
}

describe('OperationsService: a request that cannot be queued', () => {
  // the pending record failed through the lifecycle, with 503: operations.service.spec.ts ('when the request cannot be published')
  it('leaves a record a coordinator already started as it is', async () => {
    const { service, stored } = harness(true);
    await expect(service.submit({ type: 'flush', keyspace: 'shop', globalRequest: true })).rejects.toThrow(ServiceUnavailableException);
    expect(stored()).toMatchObject({ state: OperationState.RUNNING, errors: [] });
  });
});
