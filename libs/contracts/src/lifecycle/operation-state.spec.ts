import {
  ALL_OPERATION_STATES,
  advanceTo,
  canAdvance,
  canResume,
  InvalidStateTransitionError,
  isTerminal,
  OperationState as S,
  resumeFrom,
} from './operation-state';

const VALID: Array<[S, S]> = [
  [S.PENDING, S.RUNNING],
  [S.PENDING, S.FAILED],
  [S.PENDING, S.CANCELLED],
  [S.RUNNING, S.COMPLETED],
  [S.RUNNING, S.FAILED],
  [S.RUNNING, S.CANCELLED],
];

const isValid = (from: S, to: S) => VALID.some(([f, t]) => f === from && t === to);
const allPairs = ALL_OPERATION_STATES.flatMap((from) => ALL_OPERATION_STATES.map((to) => [from, to] as [S, S]));

describe('operation state machine', () => {
  it('covers all 25 pairs', () => expect(allPairs).toHaveLength(25));

  it.each(allPairs.filter(([f, t]) => isValid(f, t)))('allows %s -> %s', (from, to) => {
    expect(canAdvance(from, to)).toBe(true);
    expect(advanceTo(from, to)).toBe(to);
  });

  it.each(allPairs.filter(([f, t]) => !isValid(f, t)))('refuses %s -> %s', (from, to) => {
    expect(canAdvance(from, to)).toBe(false);
    expect(() => advanceTo(from, to)).toThrow(InvalidStateTransitionError);
    expect(() => advanceTo(from, to)).toThrow(`operation cannot move from ${from} to ${to}`);
  });

  it('refuses every move out of a terminal state, FAILED -> RUNNING included', () => {
    for (const from of [S.COMPLETED, S.FAILED, S.CANCELLED]) {
      for (const to of ALL_OPERATION_STATES) expect(canAdvance(from, to)).toBe(false);
    }
  });

  describe('the resume transition (kept apart from advanceTo)', () => {
    it('takes exactly FAILED back to RUNNING', () => {
      expect(ALL_OPERATION_STATES.filter(canResume)).toEqual([S.FAILED]);
      expect(resumeFrom(S.FAILED)).toBe(S.RUNNING);
    });

    it.each(ALL_OPERATION_STATES.filter((s) => s !== S.FAILED))('refuses to resume from %s', (from) => {
      expect(() => resumeFrom(from)).toThrow(InvalidStateTransitionError);
      expect(() => resumeFrom(from)).toThrow(`operation cannot be resumed from ${from} to RUNNING`);
    });
  });

  it('treats exactly COMPLETED, FAILED and CANCELLED as terminal', () => {
    expect(ALL_OPERATION_STATES.filter(isTerminal).sort()).toEqual([S.CANCELLED, S.COMPLETED, S.FAILED]);
  });
});
