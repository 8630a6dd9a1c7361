import { NodeEventKind, NodeEventMessage, OperationRecord, SCHEMA_VERSION } from '@daedalus/contracts';
import { PhasePlan } from '../plans/operation-plan';
import { applyNodeEvent, pendingNodes, requestCancel, startOperation } from './operation-lifecycle';
import { planTargets } from './target-planner';
import { flushRecord, NOW, OperationState, registration } from './test-fixtures';

const PHASES: PhasePlan[] = [
  { name: 'UPLOAD', on: 'all', weight: 0.9 },
  { name: 'COMMIT', on: 'one', weight: 0.1 },
];

function started(): OperationRecord {
  const base = flushRecord({ globalRequest: true });
  const plan = planTargets(
    base.request,
    ['h1', 'h2'].map((h) => ({ registration: registration(h), heartbeatAgeMs: 0 })),
    1000,
  );
  if (!plan.ok) throw new Error(plan.error);
  const record = startOperation(base, plan.targets, NOW, PHASES, { backupName: 'b-1' });
  if (!record) throw new Error('not started');
  return record;
}

const event = (hostId: string, kind: NodeEventKind, progress: number, phase?: string, message?: string): NodeEventMessage => ({
  schemaVersion: SCHEMA_VERSION,
  kind,
  operationId: 'op-1',
  hostId,
  progress,
  phase,
  message,
  at: NOW.toISOString(),
});

const apply = (record: OperationRecord, ...events: NodeEventMessage[]) =>
  events.reduce((r, e) => applyNodeEvent(r, e, NOW, PHASES) ?? r, record);

describe('multi-phase operations', () => {
  it('starts in the first phase with every node pending and the context fixed', () => {
    const record = started();
    expect(record).toMatchObject({ phases: ['UPLOAD', 'COMMIT'], phase: 'UPLOAD', context: { backupName: 'b-1' } });
    expect(pendingNodes(record).map((n) => n.hostId)).toEqual(['h1', 'h2']);
  });

  it('weights progress by phase', () => {
    const record = apply(started(), event('h1', 'progress', 0.5, 'UPLOAD'));
    expect(record.progress).toBeCloseTo(0.9 * 0.25);
  });

  it('ignores events of another phase', () => {
    expect(applyNodeEvent(started(), event('h1', 'completed', 1, 'COMMIT'), NOW, PHASES)).toBeUndefined();
    expect(applyNodeEvent(started(), event('h1', 'completed', 1), NOW, PHASES)).toBeUndefined();
  });

  it('moves to the next phase only when every node completed, running a "one" phase on one node', () => {
    let record = apply(started(), event('h1', 'completed', 1, 'UPLOAD'));
    expect(record.phase).toBe('UPLOAD');
    record = apply(record, { ...event('h2', 'completed', 1, 'UPLOAD'), result: { bytes: 10 } });
    expect(record.phase).toBe('COMMIT');
    expect(record.state).toBe(OperationState.RUNNING);
    expect(record.progress).toBeCloseTo(0.9);
    expect(pendingNodes(record).map((n) => n.hostId)).toEqual(['h1']);
    expect(record.nodes?.h2).toMatchObject({ state: OperationState.COMPLETED, message: 'no work in phase COMMIT' });
    expect(record.response).toEqual({ UPLOAD: { h2: { bytes: 10 } } });

    record = apply(record, event('h1', 'completed', 1, 'COMMIT'));
    expect(record.state).toBe(OperationState.COMPLETED);
    expect(record.progress).toBe(1);
  });

  it('fails in the phase where a node failed, naming the phase, and never starts the next', () => {
    const record = apply(started(), event('h1', 'failed', 0.3, 'UPLOAD', 'bucket gone'), event('h2', 'completed', 1, 'UPLOAD'));
    expect(record.state).toBe(OperationState.FAILED);
    expect(record.phase).toBe('UPLOAD');
    expect(record.errors).toEqual([{ source: 'h1 (10.0.0.1)', message: 'bucket gone (phase UPLOAD)' }]);
  });

  it('gives a one-node phase to the leader the plan named', () => {
    const base = flushRecord({ globalRequest: true });
    const plan = planTargets(
      base.request,
      ['h1', 'h2'].map((h) => ({ registration: registration(h), heartbeatAgeMs: 0 })),
      1000,
    );
    if (!plan.ok) throw new Error(plan.error);
    const record = startOperation(base, plan.targets, NOW, [{ name: 'TRUNCATE', on: 'one', weight: 1 }], { leader: 'h2' });
    expect(pendingNodes(record as OperationRecord).map((n) => n.hostId)).toEqual(['h2']);
    expect(record?.nodes?.h1).toMatchObject({ state: OperationState.COMPLETED, message: 'no work in phase TRUNCATE' });
  });

  it('stops between phases when a cancel was requested', () => {
    const marked = requestCancel(started(), NOW) as OperationRecord;
    const record = apply(marked, event('h1', 'completed', 1, 'UPLOAD'), event('h2', 'completed', 1, 'UPLOAD'));
    expect(record.state).toBe(OperationState.CANCELLED);
  });
});
