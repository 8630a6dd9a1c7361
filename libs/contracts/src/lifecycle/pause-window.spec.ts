import { NodeEventMessage } from '../messages';
import { OperationRecord } from '../operation-record';
import { SCHEMA_VERSION } from '../schema-version';
import { applyNodeEvent, failOperation, startOperation } from './operation-lifecycle';
import { OperationState } from './operation-state';
import {
  advanceHookTo,
  advanceWindowTo,
  beginPause,
  claimResume,
  isSettled,
  PauseHookState,
  PauseWindowState,
  recordPauseOutcome,
  recordResumeOutcome,
  resumeDue,
  unknownPauseHooks,
} from './pause-window';
import { PhaseStep } from './phase-step';
import { flushRecord, NOW, targets } from './test-fixtures';

const STEPS: PhaseStep[] = [
  { name: 'SNAPSHOT', on: 'all', cancelBefore: true, cancelDuring: true, weight: 0.02 },
  { name: 'UPLOAD', on: 'all', cancelBefore: true, cancelDuring: true, weight: 0.95 },
  { name: 'COMMIT', on: 'one', cancelBefore: true, cancelDuring: true, weight: 0.03 },
];
const MAX = 60_000;
const LEASE = 10_000;
const at = (ms: number) => new Date(NOW.getTime() + ms);

function pausing(): OperationRecord {
  const started = startOperation(flushRecord(), targets(['h1', 'h2']), NOW, STEPS, { backupName: 'b-1' });
  const record = started && beginPause(started, ['app', 'cache'], 'SNAPSHOT', NOW);
  if (!record) throw new Error('not started');
  return record;
}

function paused(): OperationRecord {
  const record = recordPauseOutcome(
    pausing(),
    { app: { ok: true, at: at(100).toISOString() }, cache: { ok: true, at: at(150).toISOString() } },
    at(200),
  );
  if (!record) throw new Error('not paused');
  return record;
}

const snapshotDone = (hostId: string): NodeEventMessage => ({
  schemaVersion: SCHEMA_VERSION,
  kind: 'completed',
  operationId: 'op-1',
  hostId,
  progress: 1,
  phase: 'SNAPSHOT',
  at: NOW.toISOString(),
});

describe('pause window', () => {
  describe('transition tables', () => {
    it.each([
      [PauseWindowState.PAUSING, PauseWindowState.PAUSED],
      [PauseWindowState.PAUSING, PauseWindowState.RESUMING],
      [PauseWindowState.PAUSED, PauseWindowState.RESUMING],
      [PauseWindowState.RESUMING, PauseWindowState.RESUMING],
      [PauseWindowState.RESUMING, PauseWindowState.RESUMED],
      [PauseWindowState.RESUMING, PauseWindowState.RESUME_FAILED],
    ])('window %s → %s is allowed', (from, to) => expect(advanceWindowTo(from, to)).toBe(to));

    it.each([
      [PauseWindowState.PAUSED, PauseWindowState.RESUMED],
      [PauseWindowState.PAUSED, PauseWindowState.PAUSING],
      [PauseWindowState.RESUMED, PauseWindowState.RESUMING],
      [PauseWindowState.RESUME_FAILED, PauseWindowState.RESUMING],
      [PauseWindowState.RESUMED, PauseWindowState.PAUSED],
    ])('window %s → %s is refused', (from, to) =>
      expect(() => advanceWindowTo(from, to)).toThrow(`pause window cannot move from ${from} to ${to}`),
    );

    it('a hook that failed to pause can still be resumed; a resumed one never moves again', () => {
      expect(advanceHookTo(PauseHookState.PAUSE_FAILED, PauseHookState.RESUMED)).toBe(PauseHookState.RESUMED);
      expect(advanceHookTo(PauseHookState.PAUSING, PauseHookState.RESUMED)).toBe(PauseHookState.RESUMED);
      expect(() => advanceHookTo(PauseHookState.RESUMED, PauseHookState.PAUSED)).toThrow('pause hook cannot move');
      expect(() => advanceHookTo(PauseHookState.PAUSED, PauseHookState.PAUSE_FAILED)).toThrow('pause hook cannot move');
    });
  });

  it('opens once, PAUSED only when every hook acknowledged', () => {
    expect(beginPause(pausing(), ['app'], 'SNAPSHOT', NOW)).toBeUndefined();
    const record = paused();
    expect(record.pauseWindow).toMatchObject({ state: 'PAUSED', pausedAt: at(200).toISOString(), covers: 'SNAPSHOT' });
    expect(record.pauseWindow?.hooks.app).toEqual({ state: 'PAUSED', pausedAt: at(100).toISOString() });
    expect(recordPauseOutcome(record, { app: { ok: true, at: NOW.toISOString() } }, NOW)).toBeUndefined();
  });

  it('a hook that refused leaves the window PAUSING; once the operation fails the resume is due to every hook called', () => {
    const answered = recordPauseOutcome(
      pausing(),
      { app: { ok: true, at: NOW.toISOString() }, cache: { ok: false, error: 'timeout' } },
      NOW,
    );
    expect(answered?.pauseWindow?.state).toBe('PAUSING');
    expect(answered?.pauseWindow?.hooks.cache).toEqual({ state: 'PAUSE_FAILED', error: 'timeout' });
    expect(resumeDue(answered as OperationRecord, NOW, MAX)).toBeUndefined();
    const failed = failOperation(answered as OperationRecord, 'coordinator', 'not paused', NOW) as OperationRecord;
    expect(resumeDue(failed, NOW, MAX)).toBe('the operation ended FAILED');
    expect(isSettled(failed)).toBe(false);
    const claimed = claimResume(failed, at(10), MAX, LEASE) as OperationRecord;
    const done = recordResumeOutcome(
      claimed,
      { app: { ok: true, at: at(20).toISOString() }, cache: { ok: true, at: at(20).toISOString() } },
      at(20),
    ) as OperationRecord;
    expect(done.pauseWindow?.state).toBe('RESUMED');
    expect(done.pauseWindow?.hooks.cache).toMatchObject({ state: 'RESUMED', error: 'timeout' });
    // never paused as a whole: the window is counted from the pause calls
    expect(done.pauseWindow?.lengthMs).toBe(20);
    expect(isSettled(done)).toBe(true);
  });

  it('is due when its phase closes, not before', () => {
    const record = paused();
    const one = applyNodeEvent(record, snapshotDone('h1'), at(300), STEPS) as OperationRecord;
    expect(resumeDue(one, at(300), MAX)).toBeUndefined();
    expect(claimResume(one, at(300), MAX, LEASE)).toBeUndefined();
    const both = applyNodeEvent(one, snapshotDone('h2'), at(400), STEPS) as OperationRecord;
    expect(both.phase).toBe('UPLOAD');
    expect(both.state).toBe(OperationState.RUNNING);
    expect(resumeDue(both, at(400), MAX)).toBe('phase SNAPSHOT is over');
  });

  it('is due when the window runs past its maximum', () => {
    expect(resumeDue(paused(), at(MAX), MAX)).toBeUndefined();
    expect(resumeDue(paused(), at(MAX + 1), MAX)).toMatch(/ran past its maximum/);
  });

  it('a cancelled operation owes the resume too', () => {
    const record = { ...paused(), state: OperationState.CANCELLED };
    expect(resumeDue(record, NOW, MAX)).toBe('the operation ended CANCELLED');
  });

  it('one claim per round: a second claimer gets nothing until the lease is over', () => {
    const over = { ...paused(), phase: 'UPLOAD' };
    const claimed = claimResume(over, at(1_000), MAX, LEASE) as OperationRecord;
    expect(claimed.pauseWindow).toMatchObject({ state: 'RESUMING', resumeRounds: 1, resumeClaimedAt: at(1_000).toISOString() });
    expect(claimResume(claimed, at(1_000 + LEASE), MAX, LEASE)).toBeUndefined();
    const takenOver = claimResume(claimed, at(1_001 + LEASE), MAX, LEASE) as OperationRecord;
    expect(takenOver.pauseWindow).toMatchObject({ state: 'RESUMING', resumeRounds: 2, closeReason: 'phase SNAPSHOT is over' });
  });

  it('records the window length from the pause to the resume, and a hook that would not resume', () => {
    const claimed = claimResume({ ...paused(), phase: 'UPLOAD' }, at(1_000), MAX, LEASE) as OperationRecord;
    const done = recordResumeOutcome(
      claimed,
      { app: { ok: true, at: at(1_100).toISOString() }, cache: { ok: false, error: 'resume hook cache answered HTTP 500' } },
      at(1_200),
    ) as OperationRecord;
    expect(done.pauseWindow).toMatchObject({ state: 'RESUME_FAILED', lengthMs: 1_000, resumedAt: at(1_200).toISOString() });
    expect(done.pauseWindow?.hooks.cache).toMatchObject({ state: 'RESUME_FAILED', error: 'resume hook cache answered HTTP 500' });
    expect(recordResumeOutcome(done, {}, at(1_300))).toBeUndefined();
    expect(claimResume(done, at(99_000), MAX, LEASE)).toBeUndefined();
  });

  it('names each unknown hook of a request by its place', () => {
    expect(unknownPauseHooks({ consistency: { pauseHooks: ['app', 'nope'] } }, ['app'])).toEqual([
      { field: 'consistency.pauseHooks[1]', message: expect.stringContaining('no pause hook named "nope" (configured: app)') },
    ]);
    expect(unknownPauseHooks({ consistency: { pauseHooks: ['app'] } }, [])[0].message).toMatch(/none is configured/);
    expect(unknownPauseHooks({}, ['app'])).toEqual([]);
  });
});
