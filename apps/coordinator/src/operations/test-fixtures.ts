import {
  BackupRequest,
  FlushRequest,
  NodeEventKind,
  NodeEventMessage,
  NodeRegistration,
  OperationRecord,
  OperationState,
  RestoreRequest,
  SCHEMA_VERSION,
  newOperationRecord,
  startOperation,
} from '@daedalus/contracts';
import { plainToInstance } from 'class-transformer';
import { backupPlan } from '../plans/backup.plan';
import { planTargets } from './target-planner';

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

/**
 * A global backup on `hosts` (all of dc1) started as the submit handler starts it: its UPLOAD entries as the
 * request's `parallel` / `maintenanceWindow` leave them (WAITING or PENDING).
 */
export function startedGlobalBackup(id: string, hosts: string[], fields: Partial<BackupRequest>, start: Date): OperationRecord {
  const base = newOperationRecord(
    id,
    plainToInstance(BackupRequest, { type: 'backup', globalRequest: true, storageLocation: 's3://b', ...fields }),
    start,
    SCHEMA_VERSION,
  );
  const registered = hosts.map((h) => ({ registration: registration(h), heartbeatAgeMs: 0 }));
  const plan = planTargets(base.request, registered, 1000);
  if (!plan.ok) throw new Error(plan.error);
  const context = backupPlan.context(
    base,
    plan.targets,
    registered.map((r) => r.registration),
    start,
  );
  return startOperation(base, plan.targets, start, backupPlan.phases(base), context) as OperationRecord;
}

/** A node's UPLOAD event of that backup (`completed` carries a manifest), in `round` when one is given. */
export function uploadEvent(
  id: string,
  hostId: string,
  kind: NodeEventKind,
  fields: { progress?: number; round?: number; at: Date },
): NodeEventMessage {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind,
    operationId: id,
    hostId,
    phase: 'UPLOAD',
    progress: kind === 'completed' ? 1 : (fields.progress ?? 0),
    ...(fields.round ? { round: fields.round } : {}),
    ...(kind === 'completed'
      ? { result: { backupName: 'b', manifest: `m/${hostId}`, totals: { files: 1, bytes: 1, uploadedFiles: 1, uploadedBytes: 1 } } }
      : {}),
    at: fields.at.toISOString(),
  };
}
