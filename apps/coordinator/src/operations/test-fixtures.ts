import { FlushRequest, NodeRegistration, OperationRecord, OperationState, SCHEMA_VERSION, newOperationRecord } from '@daedalus/contracts';
import { plainToInstance } from 'class-transformer';

export function registration(hostId: string, dc = 'dc1', address = `10.0.0.${hostId.slice(-1)}`): NodeRegistration {
  return {
    schemaVersion: SCHEMA_VERSION,
    hostId,
    address,
    dc,
    rack: 'rack1',
    tokens: ['1'],
    clusterName: 'test',
    cassandraVersion: '4.1.7',
    schemaVersionId: '00000000-0000-0000-0000-000000000000',
    operationMode: 'NORMAL',
    dataDirectories: ['/data'],
    agentVersion: '0.1.0',
    startedAt: new Date(0).toISOString(),
    heartbeatAt: new Date(0).toISOString(),
  };
}

export function flushRecord(fields: Partial<FlushRequest> = {}): OperationRecord {
  const request = plainToInstance(FlushRequest, { type: 'flush', keyspace: 'ks', ...fields });
  return newOperationRecord('op-1', request, new Date('2026-01-01T00:00:00Z'), SCHEMA_VERSION);
}

export const NOW = new Date('2026-01-01T00:01:00Z');
export { OperationState };
