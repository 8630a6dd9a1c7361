import { plainToInstance } from 'class-transformer';
import type { NodeEventKind } from '../messages';
import { newOperationRecord, NodeProgress, OperationRecord } from '../operation-record';
import { FlushRequest, parseOperationRequest, RequestValidationError } from '../requests/index';
import { SCHEMA_VERSION } from '../schema-version';
import { NodeState } from './node-state';
import { applyNodeEvent, pendingNodes, requestCancel, startOperation } from './operation-lifecycle';
import { admitDue, isPausablePhase } from './turns';
import { backupProtocol } from '../protocols/backup.protocol';
import { restoreProtocol } from '../protocols/restore.protocol';
import { removeBackupProtocol } from '../protocols/remove-backup.protocol';
import { truncateProtocol } from '../protocols/truncate.protocol';
import type { AnyProtocol } from '../protocols/protocol';
import { PARALLEL_SINGLE_PHASE_TYPES, PAUSABLE_SINGLE_PHASE_TYPES } from '../requests/parallel';
import { NOW } from './test-fixtures';

/** Three nodes in dc1, two in dc2. */
const TARGETS: NodeProgress[] = [
  ['a1', 'dc1'],
  ['a2', 'dc1'],
  ['a3', 'dc1'],
  ['b1', 'dc2'],
  ['b2', 'dc2'],
].map(([hostId, dc]) => ({ hostId, address: `10.0.0.${hostId}`, dc, state: NodeState.PENDING, progress: 0 }));

function flush(parallel: unknown): OperationRecord {
  const request = plainToInstance(FlushRequest, { type: 'flush', keyspace: 'ks', globalRequest: true, parallel });
  return startOperation(newOperationRecord('op-1', request, NOW, SCHEMA_VERSION), TARGETS, NOW) as OperationRecord;
}

const event = (hostId: string, kind: NodeEventKind) => ({
  schemaVersion: SCHEMA_VERSION,
  kind,
  operationId: 'op-1',
  hostId,
  progress: kind === 'completed' ? 1 : 0,
  at: NOW.toISOString(),
});

const states = (record: OperationRecord) => Object.fromEntries(Object.values(record.nodes ?? {}).map((n) => [n.hostId, n.state]));

function refusal(body: Record<string, unknown>): Array<{ field: string; message: string }> {
  try {
    parseOperationRequest(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors;
    throw error;
  }
  throw new Error('accepted');
}

describe('parallel: nodes taking turns', () => {
  it('admits n nodes per data center at the start; the others WAIT, are not dispatched and say why', () => {
    const record = flush({ dc1: 1 });
    expect(states(record)).toEqual({ a1: 'PENDING', a2: 'WAITING', a3: 'WAITING', b1: 'PENDING', b2: 'PENDING' });
    expect(pendingNodes(record).map((n) => n.hostId)).toEqual(['a1', 'b1', 'b2']);
    expect(record.nodes?.a2.message).toBe('waiting for its turn: parallel lets 1 node(s) of dc1 run this phase at once');
    expect(states(flush(2))).toEqual({ a1: 'PENDING', a2: 'PENDING', a3: 'WAITING', b1: 'PENDING', b2: 'PENDING' });
  });

  it('admits the next node of a data center when one finishes, never more than n at once, until all ran', () => {
    let record = flush(1);
    const order: string[] = [];
    for (let step = 0; step < 10 && record.state === 'RUNNING'; step++) {
      const active = pendingNodes(record);
      for (const dc of ['dc1', 'dc2']) expect(active.filter((n) => n.dc === dc).length).toBeLessThanOrEqual(1);
      const next = active[0];
      record = applyNodeEvent(record, event(next.hostId, 'started'), NOW) ?? record;
      record = applyNodeEvent(record, event(next.hostId, 'completed'), NOW) as OperationRecord;
      order.push(next.hostId);
      expect(record.nodes?.[next.hostId]?.message).toBeUndefined();
    }
    expect(order).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
    expect(record.state).toBe('COMPLETED');
  });

  it('cancels the WAITING nodes when a node of the phase fails, and the operation fails once the running ones end', () => {
    let record = applyNodeEvent(flush({ dc1: 1 }), event('a1', 'failed'), NOW) as OperationRecord;
    expect(states(record)).toMatchObject({ a2: 'CANCELLED', a3: 'CANCELLED', b1: 'PENDING' });
    expect(record.nodes?.a2.message).toBe('not run: node a1 failed in this phase before its turn came');
    record = applyNodeEvent(record, event('b1', 'completed'), NOW) as OperationRecord;
    record = applyNodeEvent(record, event('b2', 'completed'), NOW) as OperationRecord;
    expect(record.state).toBe('FAILED');
  });

  it('cancels the WAITING nodes at once on a cancel; the ones running are cancelled on their nodes', () => {
    const record = requestCancel(flush({ dc1: 1 }), NOW) as OperationRecord;
    expect(states(record)).toMatchObject({ a1: 'PENDING', a2: 'CANCELLED', a3: 'CANCELLED' });
    expect(pendingNodes(record).map((n) => n.hostId)).toEqual(['a1', 'b1', 'b2']);
  });

  it('leaves an operation without parallel as it was: every node at once', () => {
    expect(Object.values(states(flush(undefined)))).toEqual(Array(5).fill('PENDING'));
  });

  describe('request validation names the field', () => {
    const backup = { type: 'backup', storageLocation: 's3://bucket', globalRequest: true };
    it('accepts a number or {dc: n} on a global backup, restore DOWNLOAD and the node operations', () => {
      expect(parseOperationRequest({ ...backup, parallel: 1 })).toMatchObject({ parallel: 1 });
      expect(parseOperationRequest({ ...backup, parallel: { dc1: 2 }, consistency: { pauseHooks: ['app'] } })).toBeDefined();
      expect(parseOperationRequest({ type: 'cleanup', keyspace: 'ks', globalRequest: true, parallel: 2 })).toBeDefined();
      expect(
        parseOperationRequest({ type: 'restore', storageLocation: 's3://b', snapshotTag: 't', globalRequest: true, parallel: 1 }),
      ).toBeDefined();
    });

    it.each([
      [{ ...backup, parallel: 0 }, 'parallel', 'an integer from 1 to 1000'],
      [{ ...backup, parallel: '2' }, 'parallel', 'a number of nodes'],
      [{ ...backup, parallel: { dc1: 1.5 } }, 'parallel.dc1', 'an integer'],
      [{ ...backup, parallel: {} }, 'parallel', 'at least one data center'],
      [{ ...backup, globalRequest: false, parallel: 1 }, 'parallel', 'only a global request'],
      [{ type: 'truncate', keyspace: 'ks', table: 't', globalRequest: true, parallel: 1 }, 'parallel', 'does not run node by node'],
      [{ type: 'list', storageLocation: 's3://b', globalRequest: true, parallel: 1 }, 'parallel', 'does not run node by node'],
      [
        {
          type: 'restore',
          storageLocation: 's3://b',
          snapshotTag: 't',
          globalRequest: true,
          singlePhase: true,
          restorationPhase: 'INIT',
          parallel: 1,
        },
        'parallel',
        'none of which takes turns (restore: DOWNLOAD, IN_PLACE)',
      ],
      [{ ...backup, dc: 'dc1', parallel: { dc2: 1 } }, 'parallel.dc2', 'not among the data centers'],
    ])('refuses %j', (body, field, message) => {
      const errors = refusal(body);
      expect(errors).toEqual([expect.objectContaining({ field })]);
      expect(errors[0].message).toContain(message);
    });
  });
});

describe('maintenanceWindow: nodes start only inside the window', () => {
  const windowed = (now: Date, parallel?: number) => {
    const request = plainToInstance(FlushRequest, {
      type: 'flush',
      keyspace: 'ks',
      globalRequest: true,
      maintenanceWindow: { start: '* * * * *', duration: '15s' },
      ...(parallel ? { parallel } : {}),
    });
    return startOperation(newOperationRecord('op-1', request, now, SCHEMA_VERSION), TARGETS, now) as OperationRecord;
  };
  const OUTSIDE = new Date('2026-01-01T00:00:30Z');
  const INSIDE = new Date('2026-01-01T00:01:05Z');

  it('outside the window every node WAITS, saying when the window opens; admitDue admits them once it is open', () => {
    const record = windowed(OUTSIDE);
    expect(Object.values(states(record))).toEqual(Array(5).fill('WAITING'));
    expect(record.nodes?.a1.message).toBe('waiting for the maintenance window, which opens at 2026-01-01T00:01:00.000Z');
    expect(admitDue(record, [], new Date('2026-01-01T00:00:59Z'))).toBeUndefined();
    const admitted = admitDue(record, [], INSIDE) as OperationRecord;
    expect(Object.values(states(admitted))).toEqual(Array(5).fill('PENDING'));
  });

  it('a node finishing after the window closed admits no one; the next window does, with parallel still counted', () => {
    let record = windowed(INSIDE, 1);
    expect(states(record)).toEqual({ a1: 'PENDING', a2: 'WAITING', a3: 'WAITING', b1: 'PENDING', b2: 'WAITING' });
    record = applyNodeEvent(record, event('a1', 'completed'), new Date('2026-01-01T00:01:20Z')) as OperationRecord;
    expect(states(record)).toMatchObject({ a2: 'WAITING', b1: 'PENDING' });
    expect(record.nodes?.a2.message).toContain('opens at 2026-01-01T00:02:00.000Z');
    record = admitDue(record, [], new Date('2026-01-01T00:02:01Z')) as OperationRecord;
    expect(states(record)).toEqual({ a1: 'COMPLETED', a2: 'PENDING', a3: 'WAITING', b1: 'PENDING', b2: 'WAITING' });
  });

  it('a cancel while every node waits for the window ends the operation at once', () => {
    const record = requestCancel(windowed(OUTSIDE), NOW) as OperationRecord;
    expect(record.state).toBe('CANCELLED');
    expect(Object.values(states(record))).toEqual(Array(5).fill('CANCELLED'));
  });
});

describe('pausable phases (paused at a maintenance window end)', () => {
  const protocols = [backupProtocol, restoreProtocol, removeBackupProtocol, truncateProtocol] as unknown as AnyProtocol[];

  it('are declared once, in the protocols: backup UPLOAD and restore DOWNLOAD, plus verify among the single-phase types', () => {
    const pausable = protocols.flatMap((p) => p.phases.filter((phase) => p.rules[phase].pausable).map((phase) => `${p.type} ${phase}`));
    expect(pausable).toEqual(['backup UPLOAD', 'restore DOWNLOAD']);
    expect([...PAUSABLE_SINGLE_PHASE_TYPES]).toEqual(['verify']);
  });

  it('each takes turns on every node and stops for a cancel: a pause uses the cancel safe point', () => {
    for (const protocol of protocols) {
      for (const phase of protocol.phases.filter((p) => protocol.rules[p].pausable)) {
        expect(protocol.rules[phase]).toMatchObject({ on: 'all', parallel: true, cancelDuring: true });
      }
    }
    for (const type of PAUSABLE_SINGLE_PHASE_TYPES) expect(PARALLEL_SINGLE_PHASE_TYPES.has(type)).toBe(true);
  });

  it('a pause command is meant only for a pausable phase of an operation with a window', () => {
    const window = { start: '02:00', duration: '2h' };
    const of = (type: string, maintenanceWindow?: unknown) =>
      ({ type, request: { type, maintenanceWindow } }) as unknown as OperationRecord;
    expect(isPausablePhase(of('backup', window), 'UPLOAD')).toBe(true);
    expect(isPausablePhase(of('backup', window), 'COMMIT')).toBe(false);
    expect(isPausablePhase(of('backup'), 'UPLOAD')).toBe(false);
    expect(isPausablePhase(of('restore', window), 'IN_PLACE')).toBe(false);
    expect(isPausablePhase(of('restore', window), 'IMPORT')).toBe(false);
    expect(isPausablePhase(of('verify', window), undefined)).toBe(true);
    expect(isPausablePhase(of('cleanup', window), undefined)).toBe(false);
  });
});
