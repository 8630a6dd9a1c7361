import type { NodeEventMessage } from '../messages';
import { applyToNode, freshNode, nodesForPhase } from './node-entries';
import type { NodeProgress } from '../operation-record';
import { advanceNodeTo, ALL_NODE_STATES, canAdvanceNode, isNodeDispatched, isNodeFinished, isNodeParked, NodeState } from './node-state';
import { InvalidStateTransitionError } from './operation-state';
import { NOW, targets } from './test-fixtures';

const S = NodeState;
type S = NodeState;

const VALID: Array<[S, S]> = [
  // a node waiting for its turn (`parallel`) is admitted, or cancelled when the phase will not go on
  [S.WAITING, S.PENDING],
  [S.WAITING, S.CANCELLED],
  [S.PENDING, S.RUNNING],
  // a result may be applied before the node's `started` (events are consumed concurrently), and idle nodes of a 'one' phase complete at once
  [S.PENDING, S.COMPLETED],
  [S.PENDING, S.FAILED],
  [S.PENDING, S.CANCELLED],
  [S.RUNNING, S.COMPLETED],
  [S.RUNNING, S.FAILED],
  [S.RUNNING, S.CANCELLED],
  // the maintenance window closed: the agent stopped at a safe point (or had not started) and said so
  [S.PENDING, S.PAUSED],
  [S.RUNNING, S.PAUSED],
  // the next window re-admits it (its next round), a cancel or a failed phase ends it, and a result of the same
  // round that ended just before the pause took hold counts
  [S.PAUSED, S.PENDING],
  [S.PAUSED, S.CANCELLED],
  [S.PAUSED, S.COMPLETED],
  [S.PAUSED, S.FAILED],
];

const isValid = (from: S, to: S) => VALID.some(([f, t]) => f === from && t === to);
const allPairs = ALL_NODE_STATES.flatMap((from) => ALL_NODE_STATES.map((to) => [from, to] as [S, S]));
const event = (kind: 'started' | 'progress' | 'completed' | 'paused', progress: number): NodeEventMessage => ({
  schemaVersion: '1.0',
  kind,
  operationId: 'op-1',
  hostId: 'h1',
  progress,
  at: NOW.toISOString(),
});

describe('node entry state machine', () => {
  it.each(allPairs.filter(([f, t]) => isValid(f, t)))('allows %s -> %s', (from, to) => {
    expect(canAdvanceNode(from, to)).toBe(true);
    expect(advanceNodeTo(from, to)).toBe(to);
  });

  it.each(allPairs.filter(([f, t]) => !isValid(f, t)))('refuses %s -> %s', (from, to) => {
    expect(canAdvanceNode(from, to)).toBe(false);
    expect(() => advanceNodeTo(from, to)).toThrow(new InvalidStateTransitionError(from, to, 'move', 'node'));
    expect(() => advanceNodeTo(from, to)).toThrow(`node cannot move from ${from} to ${to}`);
  });

  it('keeps a result: COMPLETED, FAILED and CANCELLED are final', () => {
    expect(ALL_NODE_STATES.filter(isNodeFinished).sort()).toEqual([S.CANCELLED, S.COMPLETED, S.FAILED]);
  });

  it('counts a node as sent its command (owing a result, timed out when silent) only once it left WAITING, and not while PAUSED', () => {
    expect(allPairs.length).toBe(49);
    expect(ALL_NODE_STATES.filter(isNodeDispatched).sort()).toEqual([S.PENDING, S.RUNNING]);
    expect(ALL_NODE_STATES.filter(isNodeParked).sort()).toEqual([S.PAUSED, S.WAITING]);
  });

  it("pauses a running node on its round's `paused`, ignores its later start or progress, keeps its late result", () => {
    const running = applyToNode(freshNode(targets(['h1'])[0], 'UPLOAD'), event('started', 0), NOW) as NodeProgress;
    const paused = applyToNode({ ...running, progress: 0.3 }, event('paused', 0.2), NOW) as NodeProgress;
    expect(paused).toMatchObject({ state: S.PAUSED, progress: 0.3 });
    expect(applyToNode(paused, event('paused', 0.3), NOW)).toBeUndefined();
    expect(applyToNode(paused, event('progress', 0.5), NOW)).toBeUndefined();
    expect(applyToNode(paused, event('started', 0), NOW)).toBeUndefined();
    expect(applyToNode(paused, event('completed', 1), NOW)?.state).toBe(S.COMPLETED);
  });

  it("ignores the events of another round than the node's: a stale round-0 result cannot end round 1", () => {
    const round1: NodeProgress = { ...freshNode(targets(['h1'])[0], 'UPLOAD'), round: 1 };
    expect(applyToNode(round1, event('completed', 1), NOW)).toBeUndefined();
    expect(applyToNode(round1, event('paused', 0), NOW)).toBeUndefined();
    expect(applyToNode(round1, { ...event('started', 0), round: 1 }, NOW)?.state).toBe(S.RUNNING);
    expect(applyToNode(round1, { ...event('completed', 1), round: 1 }, NOW)?.state).toBe(S.COMPLETED);
  });

  it('ignores an event for a node that was never sent its command (WAITING)', () => {
    const waiting = { ...freshNode(targets(['h1'])[0], 'UPLOAD'), state: S.WAITING };
    expect(applyToNode(waiting, event('completed', 1), NOW)).toBeUndefined();
  });

  it('completes a pending node whose completion arrives before its start, and ignores the late start', () => {
    const done = applyToNode(freshNode(targets(['h1'])[0], 'UPLOAD'), event('completed', 1), NOW);
    expect(done).toMatchObject({ state: S.COMPLETED, progress: 1, startTime: NOW.toISOString(), completionTime: NOW.toISOString() });
    expect(applyToNode(done as NonNullable<typeof done>, event('started', 0), NOW)).toBeUndefined();
  });

  it('moves to RUNNING once, then only on progress', () => {
    const running = applyToNode(freshNode(targets(['h1'])[0]), event('started', 0), NOW);
    expect(running?.state).toBe(S.RUNNING);
    expect(applyToNode(running as NonNullable<typeof running>, event('started', 0), NOW)).toBeUndefined();
    expect(applyToNode(running as NonNullable<typeof running>, event('progress', 0.4), NOW)?.progress).toBe(0.4);
  });

  it('gives an idle node of a "one" phase a result at once, through the table', () => {
    const step = { name: 'COMMIT', on: 'one' as const, cancelBefore: true, cancelDuring: true, weight: 1 };
    const nodes = nodesForPhase(targets(['h1', 'h2']), step, NOW);
    expect(nodes.h1).toMatchObject({ state: S.PENDING, phase: 'COMMIT' });
    expect(nodes.h2).toMatchObject({ state: S.COMPLETED, progress: 1, message: 'no work in phase COMMIT' });
  });
});
