import { NodeEventKind, NodeEventMessage } from '../messages';
import { OperationRecord } from '../operation-record';
import { SCHEMA_VERSION } from '../schema-version';
import { applyNodeEvent, failOperation, pendingNodes, requestCancel, startOperation } from './operation-lifecycle';
import { OperationState } from './operation-state';
import { flushRecord, NOW, targets } from './test-fixtures';

function running(hostIds: string[]): OperationRecord {
  const started = startOperation(flushRecord(), targets(hostIds), NOW);
  if (!started) throw new Error('not started');
  return started;
}

function event(hostId: string, kind: NodeEventKind, progress: number, message?: string): NodeEventMessage {
  return { schemaVersion: SCHEMA_VERSION, kind, operationId: 'op-1', hostId, progress, message, at: NOW.toISOString() };
}

function apply(record: OperationRecord, ...events: NodeEventMessage[]): OperationRecord {
  return events.reduce((r, e) => applyNodeEvent(r, e, NOW) ?? r, record);
}

describe('operation lifecycle', () => {
  it('starts a pending operation once', () => {
    const record = running(['h1', 'h2']);
    expect(record.state).toBe(OperationState.RUNNING);
    expect(Object.keys(record.nodes ?? {})).toEqual(['h1', 'h2']);
    expect(startOperation(record, [], NOW)).toBeUndefined();
  });

  it('aggregates node progress and completes when every node completed', () => {
    let record = apply(running(['h1', 'h2']), event('h1', 'progress', 0.5));
    expect(record.progress).toBeCloseTo(0.25);
    record = apply(record, event('h1', 'completed', 1));
    expect(record.state).toBe(OperationState.RUNNING);
    expect(record.progress).toBeCloseTo(0.5);
    record = apply(record, event('h2', 'completed', 1));
    expect(record.state).toBe(OperationState.COMPLETED);
    expect(record.progress).toBe(1);
    expect(record.completionTime).toBe(NOW.toISOString());
    expect(record.errors).toEqual([]);
  });

  it('fails the operation naming each failed node, after every node finished', () => {
    let record = apply(running(['h1', 'h2']), event('h1', 'failed', 0.2, 'keyspace ks does not exist'));
    expect(record.state).toBe(OperationState.RUNNING);
    record = apply(record, event('h2', 'completed', 1));
    expect(record.state).toBe(OperationState.FAILED);
    expect(record.errors).toEqual([{ source: 'h1 (10.0.0.1)', message: 'keyspace ks does not exist' }]);
  });

  it('is idempotent: a repeated or late event changes nothing', () => {
    const record = apply(running(['h1']), event('h1', 'completed', 1));
    expect(applyNodeEvent(record, event('h1', 'completed', 1), NOW)).toBeUndefined();
    expect(applyNodeEvent(record, event('h1', 'progress', 0.3), NOW)).toBeUndefined();
    const midway = apply(running(['h1', 'h2']), event('h1', 'progress', 0.6));
    expect(applyNodeEvent(midway, event('h1', 'progress', 0.6), NOW)).toBeUndefined();
  });

  it('never lets progress go backwards', () => {
    const record = apply(running(['h1']), event('h1', 'progress', 0.8), event('h1', 'progress', 0.4));
    expect(record.nodes?.h1.progress).toBe(0.8);
  });

  it('ignores events of unknown nodes', () => {
    expect(applyNodeEvent(running(['h1']), event('h7', 'completed', 1), NOW)).toBeUndefined();
  });

  it('cancels a pending operation at once and marks a running one', () => {
    const pending = requestCancel(flushRecord(false), NOW);
    expect(pending?.state).toBe(OperationState.CANCELLED);
    const marked = requestCancel(running(['h1']), NOW);
    expect(marked).toMatchObject({ state: OperationState.RUNNING, cancelRequested: true });
    expect(requestCancel(marked as OperationRecord, NOW)).toBeUndefined();
    const done = apply(marked as OperationRecord, event('h1', 'cancelled', 0.1));
    expect(done.state).toBe(OperationState.CANCELLED);
  });

  it('fails an operation with a source and refuses to touch a finished one', () => {
    const failed = failOperation(flushRecord(false), 'coordinator', 'no registered nodes', NOW);
    expect(failed).toMatchObject({ state: OperationState.FAILED, errors: [{ source: 'coordinator', message: 'no registered nodes' }] });
    expect(failOperation(failed as OperationRecord, 'x', 'y', NOW)).toBeUndefined();
  });

  it('lists the nodes that still owe a result', () => {
    const record = apply(running(['h1', 'h2']), event('h1', 'completed', 1));
    expect(pendingNodes(record).map((n) => n.hostId)).toEqual(['h2']);
  });
});
