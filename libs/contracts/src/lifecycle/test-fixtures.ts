import { plainToInstance } from 'class-transformer';
import { newOperationRecord, NodeProgress, OperationRecord } from '../operation-record';
import { FlushRequest } from '../requests/index';
import { SCHEMA_VERSION } from '../schema-version';
import { OperationState } from './operation-state';

/** Fixtures for the lifecycle's unit specs. */
export const NOW = new Date('2026-01-01T00:01:00Z');

/** Targets as the coordinator's planner gives them: h1 → 10.0.0.1, sorted by host ID. */
export function targets(hostIds: string[]): NodeProgress[] {
  return hostIds.map((hostId) => ({
    hostId,
    address: `10.0.0.${hostId.slice(-1)}`,
    dc: 'dc1',
    state: OperationState.PENDING,
    progress: 0,
  }));
}

export function flushRecord(globalRequest = true): OperationRecord {
  const request = plainToInstance(FlushRequest, { type: 'flush', keyspace: 'ks', globalRequest });
  return newOperationRecord('op-1', request, new Date('2026-01-01T00:00:00Z'), SCHEMA_VERSION);
}
