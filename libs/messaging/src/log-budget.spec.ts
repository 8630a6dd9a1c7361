import { LogBudget } from './log-budget';

describe('LogBudget', () => {
  it('allows `limit` lines per window and counts the rest until drained', () => {
    let now = 0;
    const budget = new LogBudget(2, 1_000, () => now);
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, false, false]);
    expect(budget.drainSkipped()).toBe(2);
    expect(budget.drainSkipped()).toBe(0);
    now = 999;
    expect(budget.take()).toBe(false);
    now = 1_000;
    expect([budget.take(), budget.take(), budget.take()]).toEqual([true, true, false]);
    expect(budget.drainSkipped()).toBe(2);
  });
});
