import {
  FlushRequest,
  NodeRegistration,
  OperationRecord,
  OperationState,
  RestoreRequest,
  SCHEMA_VERSION,
  newOperationRecord,
} from '@daedalus/contracts';
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

/** A global restore record, as the gateway would create it (not started). */
export function restoreRecord(fields: Partial<RestoreRequest> = {}, id = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d'): OperationRecord {
  const request = plainToInstance(RestoreRequest, {
    type: 'restore',
    storageLocation: 'file:///tmp/b',
    snapshotTag: 'nightly',
    globalRequest: true,
    ...fields,
  });
  return newOperationRecord(id, request, new Date('2026-01-01T00:00:00Z'), SCHEMA_VERSION);
}
