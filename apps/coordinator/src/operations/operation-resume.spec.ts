import {
  applyNodeEvent,
  NodeEventKind,
  NodeEventMessage,
  noteResumeRefused,
  OperationRecord,
  OperationState,
  pendingNodes,
  resumeOperation,
  SCHEMA_VERSION,
  startOperation,
} from '@daedalus/contracts';
import { restorePlan } from '../plans/restore.plan';
import { planTargets } from './target-planner';
import { NOW, registration, restoreRecord } from './test-fixtures';

const LATER = new Date(NOW.getTime() + 60_000);

function started(fields = {}): OperationRecord {
  const base = restoreRecord(fields);
  const plan = planTargets(
    base.request,
    ['h1', 'h2'].map((h) => ({ registration: registration(h), heartbeatAgeMs: 0 })),
    1000,
  );
  if (!plan.ok) throw new Error(plan.error);
  const record = startOperation(base, plan.targets, NOW, restorePlan.phases(base), { clusterName: 'test' });
  if (!record) throw new Error('not started');
  return record;
}

const event = (record: OperationRecord, hostId: string, kind: NodeEventKind, fields: Partial<NodeEventMessage> = {}): NodeEventMessage => ({
  schemaVersion: SCHEMA_VERSION,
  kind,
  operationId: record.id,
  hostId,
  progress: kind === 'completed' ? 1 : 0,
  phase: record.phase,
  at: NOW.toISOString(),
  ...fields,
});

function apply(record: OperationRecord, hostId: string, kind: NodeEventKind, fields: Partial<NodeEventMessage> = {}): OperationRecord {
  return applyNodeEvent(record, event(record, hostId, kind, fields), NOW, restorePlan.phases(record)) ?? record;
}

/** Through INIT and DOWNLOAD, TRUNCATE on h1 (marked in the ledger), to IMPORT. */
function inImport(): OperationRecord {
  let record = started();
  for (const h of ['h1', 'h2']) record = apply(record, h, 'completed', { result: { backupName: 'b-1', schemaVersion: 's' } });
  for (const h of ['h1', 'h2']) record = apply(record, h, 'completed', { result: { files: 3 } });
  expect(record.phase).toBe('TRUNCATE');
  record = { ...record, restoreLedger: { truncated: ['ks.t'], imported: {} } };
  record = apply(record, 'h1', 'completed', { result: { truncated: ['ks.t'] } });
  expect(record.phase).toBe('IMPORT');
  return record;
}

function failedInImport(): OperationRecord {
  let record = apply(inImport(), 'h1', 'completed', { result: { imported: ['ks.t'] } });
  record = apply(record, 'h2', 'failed', { message: 'import of ks.t failed' });
  expect(record.state).toBe(OperationState.FAILED);
  return record;
}

describe('resuming a failed restore', () => {
  it('says how to resume in the error of a phase that failed after TRUNCATE, not before', () => {
    const failed = failedInImport();
    expect(failed.errors).toHaveLength(1);
    expect(failed.errors[0].message).toContain(`POST /operations/${failed.id}/resume`);
    expect(failed.errors[0].message).toMatch(/import of ks\.t failed \(phase IMPORT\)$/);

    const early = apply(started(), 'h1', 'failed', { message: 'backup not found' });
    const done = apply(early, 'h2', 'completed', { result: { backupName: 'b-1', schemaVersion: 's' } });
    expect(done.state).toBe(OperationState.FAILED);
    expect(done.errors[0].message).not.toContain('/resume');
  });

  it('does not repeat the hint when the node message already names the resume request', () => {
    let record = apply(inImport(), 'h1', 'completed');
    const message = `node stopped heartbeating; then POST /operations/${record.id}/resume`;
    record = apply(record, 'h2', 'failed', { message });
    expect(record.errors[0].message).toBe(`${message} (phase IMPORT)`);
  });

  it('goes back to RUNNING in the phase that failed: the unfinished nodes PENDING, the earlier errors kept apart', () => {
    const failed = failedInImport();
    const outcome = resumeOperation(failed, LATER, restorePlan.phases(failed), 0);
    if (outcome.kind !== 'resumed') throw new Error(outcome.kind);
    const resumed = outcome.record;
    expect(resumed).toMatchObject({
      state: OperationState.RUNNING,
      phase: 'IMPORT',
      resumeCount: 1,
      resumedAt: LATER.toISOString(),
      errors: [],
    });
    expect(resumed.completionTime).toBeUndefined();
    expect(resumed.previousErrors).toEqual([{ ...failed.errors[0], run: 0 }]);
    // h1 completed IMPORT (its tables are in the ledger): it keeps its result; h2 runs IMPORT again
    expect(resumed.nodes?.h1).toEqual(failed.nodes?.h1);
    expect(resumed.nodes?.h2).toMatchObject({ state: OperationState.PENDING, progress: 0, phase: 'IMPORT' });
    expect(resumed.nodes?.h2.message).toBeUndefined();
    expect(pendingNodes(resumed).map((n) => n.hostId)).toEqual(['h2']);
    // nothing before IMPORT is lost: the results of INIT, DOWNLOAD and TRUNCATE, the ledger
    expect(Object.keys(resumed.phaseResults ?? {})).toEqual(['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT']);
    expect(resumed.restoreLedger).toEqual({ truncated: ['ks.t'], imported: {} });
    // the response is the clients' view of a finished operation: written again when the resumed run ends
    expect(resumed.response).toBeUndefined();
  });

  it('then completes through the remaining phases, the previous errors no longer counting', () => {
    const failed = failedInImport();
    const outcome = resumeOperation(failed, LATER, restorePlan.phases(failed));
    if (outcome.kind !== 'resumed') throw new Error(outcome.kind);
    let record = apply(outcome.record, 'h2', 'completed', { result: { imported: ['ks.t'] } });
    expect(record.phase).toBe('CLEANUP');
    for (const h of ['h1', 'h2']) record = apply(record, h, 'completed');
    expect(record).toMatchObject({ state: OperationState.COMPLETED, errors: [], progress: 1 });
    expect(record.previousErrors).toHaveLength(1);
  });

  it('is idempotent: a running record, or a request for an earlier resume, changes nothing', () => {
    const failed = failedInImport();
    const outcome = resumeOperation(failed, LATER, restorePlan.phases(failed), 0);
    if (outcome.kind !== 'resumed') throw new Error(outcome.kind);
    expect(resumeOperation(outcome.record, LATER, restorePlan.phases(failed), 0)).toEqual({ kind: 'unchanged' });
    expect(resumeOperation(outcome.record, LATER, restorePlan.phases(failed))).toEqual({ kind: 'unchanged' });
    // it fails again; a stale request (count 0) is not a new resume, a fresh one (count 1) is
    const again = apply(outcome.record, 'h2', 'failed', { message: 'still broken' });
    expect(again.state).toBe(OperationState.FAILED);
    expect(resumeOperation(again, LATER, restorePlan.phases(again), 0)).toEqual({ kind: 'unchanged' });
    const second = resumeOperation(again, LATER, restorePlan.phases(again), 1);
    expect(second.kind).toBe('resumed');
    if (second.kind === 'resumed') {
      expect(second.record.resumeCount).toBe(2);
      expect(second.record.previousErrors?.map((e) => e.run)).toEqual([0, 1]);
    }
  });

  it('runs the whole one-node TRUNCATE phase again on its worker when it failed there', () => {
    let record = started();
    for (const h of ['h1', 'h2']) record = apply(record, h, 'completed', { result: { backupName: 'b-1', schemaVersion: 's' } });
    for (const h of ['h1', 'h2']) record = apply(record, h, 'completed');
    record = apply(record, 'h1', 'failed', { message: 'truncate timed out' });
    expect(record).toMatchObject({ state: OperationState.FAILED, phase: 'TRUNCATE' });
    const outcome = resumeOperation(record, LATER, restorePlan.phases(record));
    if (outcome.kind !== 'resumed') throw new Error(outcome.kind);
    expect(pendingNodes(outcome.record).map((n) => n.hostId)).toEqual(['h1']);
    expect(outcome.record.nodes?.h2).toMatchObject({ state: OperationState.COMPLETED, message: 'no work in phase TRUNCATE' });
  });

  it('refuses, saying why, what cannot be resumed', () => {
    const early = apply(apply(started(), 'h1', 'failed', { message: 'no backup' }), 'h2', 'completed', { result: {} });
    const refused = resumeOperation(early, LATER, restorePlan.phases(early));
    expect(refused).toEqual({ kind: 'refused', reason: expect.stringContaining('before TRUNCATE') });
    let completed = apply(inImport(), 'h1', 'completed');
    completed = apply(completed, 'h2', 'completed');
    for (const h of ['h1', 'h2']) completed = apply(completed, h, 'completed');
    expect(completed.state).toBe(OperationState.COMPLETED);
    expect(resumeOperation(completed, LATER, restorePlan.phases(completed))).toEqual({
      kind: 'refused',
      reason: expect.stringContaining('is COMPLETED'),
    });
  });

  it('notes a refusal once per reason', () => {
    const failed = failedInImport();
    const noted = noteResumeRefused(failed, 'nope', LATER);
    expect(noted?.resumeRefused).toEqual({ at: LATER.toISOString(), reason: 'nope' });
    expect(noteResumeRefused(noted as OperationRecord, 'nope', LATER)).toBeUndefined();
  });
});
