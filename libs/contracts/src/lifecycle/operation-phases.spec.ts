import { NodeEventKind, NodeEventMessage } from '../messages';
import { OperationRecord } from '../operation-record';
import { SCHEMA_VERSION } from '../schema-version';
import { applyNodeEvent, pendingNodes, requestCancel, startOperation } from './operation-lifecycle';
import { PhaseStep } from './phase-step';
import { OperationState } from './operation-state';
import { flushRecord, NOW, targets } from './test-fixtures';

const PHASES: PhaseStep[] = [
  { name: 'UPLOAD', on: 'all', cancelBefore: true, cancelDuring: true, weight: 0.9 },
  { name: 'COMMIT', on: 'one', cancelBefore: true, cancelDuring: true, weight: 0.1 },
];

function started(): OperationRecord {
  const record = startOperation(flushRecord(), targets(['h1', 'h2']), NOW, PHASES, { backupName: 'b-1' });
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
    expect(record.phaseResults).toEqual({ UPLOAD: { h2: { bytes: 10 } } });
    expect(record.response).toBeUndefined(); // written when the operation ends

    record = apply(record, { ...event('h1', 'completed', 1, 'COMMIT'), result: { committed: true } });
    expect(record.state).toBe(OperationState.COMPLETED);
    expect(record.progress).toBe(1);
    const results = { UPLOAD: { h2: { bytes: 10 } }, COMMIT: { h1: { committed: true } } };
    expect(record).toMatchObject({ phaseResults: results, response: results });
  });

  it('runs the last phase’s cross-node check once every node completed it: a refusal fails the operation', () => {
    const checked: PhaseStep[] = [
      PHASES[0],
      {
        ...PHASES[1],
        on: 'all',
        afterAll: (results) => (Object.keys(results).length === 2 ? { ok: true } : { ok: false, error: 'not all agree' }),
      },
    ];
    const run = (...events: NodeEventMessage[]) => events.reduce((r, e) => applyNodeEvent(r, e, NOW, checked) ?? r, started());
    const upload = [event('h1', 'completed', 1, 'UPLOAD'), event('h2', 'completed', 1, 'UPLOAD')];
    const agreed = run(
      ...upload,
      { ...event('h1', 'completed', 1, 'COMMIT'), result: 1 },
      { ...event('h2', 'completed', 1, 'COMMIT'), result: 2 },
    );
    expect(agreed.state).toBe(OperationState.COMPLETED);
    const refused = run(...upload, { ...event('h1', 'completed', 1, 'COMMIT'), result: 1 }, event('h2', 'completed', 1, 'COMMIT'));
    expect(refused.state).toBe(OperationState.FAILED);
    expect(refused.errors).toEqual([{ source: 'coordinator', message: 'not all agree (phase COMMIT)' }]);
    expect(refused.response).toEqual({ COMMIT: { h1: 1 } }); // the results stay visible
    // a node failing is the node's failure, not the check's
    const failed = run(...upload, { ...event('h1', 'completed', 1, 'COMMIT'), result: 1 }, event('h2', 'failed', 0, 'COMMIT', 'boom'));
    expect(failed.errors.map((e) => e.source)).not.toContain('coordinator');
  });

  it('fails in the phase where a node failed, naming the phase, and never starts the next', () => {
    const record = apply(started(), event('h1', 'failed', 0.3, 'UPLOAD', 'bucket gone'), event('h2', 'completed', 1, 'UPLOAD'));
    expect(record.state).toBe(OperationState.FAILED);
    expect(record.phase).toBe('UPLOAD');
    expect(record.errors).toEqual([{ source: 'h1 (10.0.0.1)', message: 'bucket gone (phase UPLOAD)' }]);
  });

  it('gives a one-node phase to the leader the plan named', () => {
    const truncate: PhaseStep = { name: 'TRUNCATE', on: 'one', cancelBefore: true, cancelDuring: false, weight: 1 };
    const record = startOperation(flushRecord(), targets(['h1', 'h2']), NOW, [truncate], { leader: 'h2' });
    expect(pendingNodes(record as OperationRecord).map((n) => n.hostId)).toEqual(['h2']);
    expect(record?.nodes?.h1).toMatchObject({ state: OperationState.COMPLETED, message: 'no work in phase TRUNCATE' });
  });

  it('stops between phases when a cancel was requested', () => {
    const marked = requestCancel(started(), NOW) as OperationRecord;
    const record = apply(marked, event('h1', 'completed', 1, 'UPLOAD'), event('h2', 'completed', 1, 'UPLOAD'));
    expect(record.state).toBe(OperationState.CANCELLED);
  });
});
