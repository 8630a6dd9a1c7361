import fc from 'fast-check';
import { RetentionCandidate, RetentionDecision, RetentionPolicy } from '@daedalus/contracts';
import { OperationRejectedError } from '../operations/executor';
import { applyRetention } from './apply-retention';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0); // Monday 2026-11-30 12:00 UTC

function backup(name: string, iso: string, complete = true): RetentionCandidate {
  return { name, time: Date.parse(iso), complete };
}

function kept(decisions: RetentionDecision[]): string[] {
  return decisions.filter((d) => d.keep).map((d) => d.name);
}

function removed(decisions: RetentionDecision[]): string[] {
  return decisions.filter((d) => !d.keep).map((d) => d.name);
}

function decisionOf(decisions: RetentionDecision[], name: string): RetentionDecision {
  const found = decisions.find((d) => d.name === name);
  if (!found) throw new Error(`no decision for ${name}`);
  return found;
}

describe('applyRetention', () => {
  it('keep-last 2 over 5 backups, one incomplete and older than the grace, leaves exactly the 2 newest complete', () => {
    const candidates = [
      backup('b1', '2026-11-25T00:00:00Z'),
      backup('b2', '2026-11-26T00:00:00Z'),
      backup('b3', '2026-11-27T00:00:00Z'),
      backup('b4', '2026-11-28T00:00:00Z', false), // newest but one, never completed
      backup('b5', '2026-11-29T00:00:00Z'),
    ];
    const decisions = applyRetention(candidates, { keepLast: 2 }, NOW);
    expect(kept(decisions)).toEqual(['b5', 'b3']);
    expect(removed(decisions)).toEqual(['b4', 'b2', 'b1']);
    expect(decisionOf(decisions, 'b4').reasons[0]).toMatch(/incomplete, older than incompleteGrace \(1 day\)/);
    expect(decisionOf(decisions, 'b5').reasons).toEqual(['keepLast: 1st newest complete']);
    expect(decisionOf(decisions, 'b3').reasons).toEqual(['keepLast: 2nd newest complete']);
  });

  it('keeps an incomplete backup younger than the grace (it may still be running) without counting it', () => {
    const candidates = [backup('old', '2026-11-28T00:00:00Z'), backup('running', '2026-11-30T11:00:00Z', false)];
    const decisions = applyRetention(candidates, { keepLast: 1, incompleteGrace: 'PT2H' }, NOW);
    expect(decisionOf(decisions, 'running')).toEqual({ name: 'running', keep: true, reasons: ['incomplete, may still be running'] });
    expect(decisionOf(decisions, 'old').keep).toBe(true); // the running one does not take the keepLast slot
    const later = applyRetention(candidates, { keepLast: 1, incompleteGrace: 'PT2H' }, NOW + 2 * HOUR);
    expect(decisionOf(later, 'running').keep).toBe(false);
  });

  it('keepDaily keeps the newest of each of the last N days that have a backup, skipping empty days', () => {
    const candidates = [
      backup('d1-morning', '2026-11-20T06:00:00Z'),
      backup('d1-evening', '2026-11-20T20:00:00Z'),
      // 21st .. 24th: no backup (does not use up a slot)
      backup('d5-morning', '2026-11-25T06:00:00Z'),
      backup('d5-evening', '2026-11-25T23:59:59Z'),
      backup('d6', '2026-11-26T00:00:00Z'),
    ];
    const decisions = applyRetention(candidates, { keepDaily: 3 }, NOW);
    expect(kept(decisions)).toEqual(['d6', 'd5-evening', 'd1-evening']);
    expect(decisionOf(decisions, 'd1-evening').reasons).toEqual(['keepDaily: newest complete of 2026-11-20']);
  });

  it('keepWeekly uses ISO weeks (Monday start; 2021-01-03 belongs to 2020-W53)', () => {
    const candidates = [
      backup('thu-w53', '2020-12-31T10:00:00Z'),
      backup('sun-w53', '2021-01-03T23:00:00Z'), // Sunday: still 2020-W53
      backup('mon-w01', '2021-01-04T00:00:00Z'),
      backup('sun-w01', '2021-01-10T12:00:00Z'),
    ];
    const decisions = applyRetention(candidates, { keepWeekly: 5 }, Date.UTC(2021, 0, 11));
    expect(kept(decisions)).toEqual(['sun-w01', 'sun-w53']);
    expect(decisionOf(decisions, 'sun-w53').reasons).toEqual(['keepWeekly: newest complete of 2020-W53']);
    expect(decisionOf(decisions, 'sun-w01').reasons).toEqual(['keepWeekly: newest complete of 2021-W01']);
  });

  it('keepMonthly keeps the newest of each month; an incomplete newest of a month does not stand for it', () => {
    const candidates = [
      backup('sep', '2026-09-15T00:00:00Z'),
      backup('oct-a', '2026-10-01T00:00:00Z'),
      backup('oct-b', '2026-10-30T00:00:00Z'),
      backup('oct-c', '2026-10-31T23:00:00Z', false),
      backup('nov', '2026-11-02T00:00:00Z'),
    ];
    const decisions = applyRetention(candidates, { keepMonthly: 2 }, NOW);
    expect(kept(decisions)).toEqual(['nov', 'oct-b']);
    expect(removed(decisions)).toEqual(['oct-c', 'oct-a', 'sep']);
  });

  it('keepWithin keeps every complete backup within the duration before now, in either duration form', () => {
    const candidates = [
      backup('inside', '2026-11-28T12:00:00Z'),
      backup('edge', '2026-11-27T12:00:00Z'),
      backup('outside', '2026-11-27T11:59:59Z'),
    ];
    for (const keepWithin of ['P3D', '3 days', '72 hours']) {
      const decisions = applyRetention(candidates, { keepWithin }, NOW);
      expect(kept(decisions)).toEqual(['inside', 'edge']);
      expect(decisionOf(decisions, 'edge').reasons).toEqual([`keepWithin: taken within ${keepWithin} before now`]);
    }
  });

  it('a backup kept by several rules carries every rule’s reason', () => {
    const decisions = applyRetention([backup('only', '2026-11-30T00:00:00Z')], { keepLast: 1, keepDaily: 1, keepWithin: 'P1D' }, NOW);
    expect(decisionOf(decisions, 'only').reasons).toEqual([
      'keepLast: 1st newest complete',
      'keepDaily: newest complete of 2026-11-30',
      'keepWithin: taken within P1D before now',
    ]);
  });

  it('breaks equal times by name, the same way whatever the input order', () => {
    const a = backup('2026-11-30-a', '2026-11-30T00:00:00Z');
    const b = backup('2026-11-30-b', '2026-11-30T00:00:00Z');
    expect(kept(applyRetention([a, b], { keepLast: 1 }, NOW))).toEqual(['2026-11-30-b']);
    expect(kept(applyRetention([b, a], { keepLast: 1 }, NOW))).toEqual(['2026-11-30-b']);
    expect(kept(applyRetention([a, b], { keepDaily: 1 }, NOW))).toEqual(['2026-11-30-b']);
  });

  it('never removes a backup whose time it cannot place', () => {
    const decisions = applyRetention(
      [{ name: 'weird', time: Number.NaN, complete: true }, backup('b', '2026-11-01T00:00:00Z')],
      { keepLast: 1 },
      NOW,
    );
    expect(decisionOf(decisions, 'weird').keep).toBe(true);
    expect(decisionOf(decisions, 'b').keep).toBe(true);
  });

  it('refuses a policy without a keep rule, with bad durations, or with duplicate backup names, naming the field', () => {
    const refused = (policy: RetentionPolicy, candidates: RetentionCandidate[] = []): string => {
      try {
        applyRetention(candidates, policy, NOW);
      } catch (error) {
        expect(error).toBeInstanceOf(OperationRejectedError);
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refused({})).toMatch(/^retention: name at least one keep rule/);
    expect(refused({ incompleteGrace: 'P2D' })).toMatch(/^retention: name at least one keep rule/);
    expect(refused({ keepWithin: 'PT0S' })).toMatch(/retention\.keepWithin must be longer than zero/);
    expect(refused({ keepLast: 1, incompleteGrace: '5 minutes' })).toMatch(/retention\.incompleteGrace must be at least one hour/);
    expect(refused({ keepWithin: 'soon' })).toMatch(/duration "soon" is neither/);
    const twice = backup('same', '2026-11-01T00:00:00Z');
    expect(refused({ keepLast: 1 }, [twice, { ...twice }])).toMatch(/share a name/);
  });
});

describe('applyRetention properties', () => {
  const START = Date.UTC(2024, 0, 1);
  const candidatesArb = fc
    .uniqueArray(
      fc.record({
        name: fc.stringMatching(/^[a-z0-9-]{1,12}$/),
        // a spread over ~3 years, with collisions likely (hour granularity) to exercise the tie-break
        time: fc.integer({ min: 0, max: 3 * 365 * 24 }).map((hours) => START + hours * HOUR),
        complete: fc.boolean(),
      }),
      { selector: (c) => c.name, maxLength: 60 },
    )
    .map((list) => list as RetentionCandidate[]);
  const policyArb = fc
    .record(
      {
        keepLast: fc.integer({ min: 1, max: 10 }),
        keepDaily: fc.integer({ min: 1, max: 10 }),
        keepWeekly: fc.integer({ min: 1, max: 10 }),
        keepMonthly: fc.integer({ min: 1, max: 10 }),
        keepWithin: fc.integer({ min: 1, max: 400 }).map((days) => `P${days}D`),
        incompleteGrace: fc.integer({ min: 1, max: 72 }).map((hours) => `PT${hours}H`),
      },
      { requiredKeys: [] },
    )
    .filter((p) => ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepWithin'].some((rule) => rule in p));
  const nowArb = fc.integer({ min: 0, max: 4 * 365 * 24 }).map((hours) => START + hours * HOUR);

  it('decides every candidate exactly once; every kept backup has a reason; a removed one is never kept by a rule', () => {
    fc.assert(
      fc.property(candidatesArb, policyArb, nowArb, (candidates, policy, now) => {
        const decisions = applyRetention(candidates, policy, now);
        expect(decisions.map((d) => d.name).sort()).toEqual(candidates.map((c) => c.name).sort());
        for (const decision of decisions) {
          expect(decision.reasons.length).toBeGreaterThan(0);
          const ruleReasons = decision.reasons.filter((reason) => /^keep(Last|Daily|Weekly|Monthly|Within):/.test(reason));
          if (ruleReasons.length > 0) expect(decision.keep).toBe(true);
          if (!decision.keep) expect(ruleReasons).toEqual([]);
        }
      }),
    );
  });

  it('never removes a backup kept by a rule applied alone (adding rules only keeps more)', () => {
    fc.assert(
      fc.property(candidatesArb, policyArb, nowArb, (candidates, policy, now) => {
        const all = applyRetention(candidates, policy, now);
        const rules = (['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepWithin'] as const).filter(
          (r) => policy[r] !== undefined,
        );
        for (const rule of rules) {
          const alone = applyRetention(candidates, { [rule]: policy[rule], incompleteGrace: policy.incompleteGrace }, now);
          for (const name of kept(alone)) expect(decisionOf(all, name).keep).toBe(true);
        }
      }),
    );
  });

  it('keepLast N over M ≥ N complete backups keeps exactly the N newest complete (and no other complete one)', () => {
    fc.assert(
      fc.property(candidatesArb, fc.integer({ min: 1, max: 10 }), nowArb, (candidates, n, now) => {
        const complete = candidates.filter((c) => c.complete);
        fc.pre(complete.length >= n);
        const decisions = applyRetention(candidates, { keepLast: n }, now);
        const newest = [...complete]
          .sort((a, b) => b.time - a.time || (a.name < b.name ? 1 : -1))
          .slice(0, n)
          .map((c) => c.name);
        const keptComplete = decisions.filter((d) => d.keep && candidates.find((c) => c.name === d.name)?.complete).map((d) => d.name);
        expect(keptComplete).toEqual(newest);
      }),
    );
  });

  it('only complete backups are kept by rules; incomplete ones are kept exactly while younger than the grace', () => {
    fc.assert(
      fc.property(candidatesArb, policyArb, nowArb, (candidates, policy, now) => {
        const graceMs = policy.incompleteGrace ? Number(/PT(\d+)H/.exec(policy.incompleteGrace)?.[1]) * HOUR : DAY;
        for (const decision of applyRetention(candidates, policy, now)) {
          const candidate = candidates.find((c) => c.name === decision.name) as RetentionCandidate;
          if (candidate.complete) continue;
          expect(decision.keep).toBe(now - candidate.time <= graceMs);
          expect(decision.reasons.some((reason) => reason.startsWith('keep'))).toBe(false);
        }
      }),
    );
  });

  it('is deterministic: the input order does not change any decision', () => {
    fc.assert(
      fc.property(
        candidatesArb.chain((list) =>
          fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length })),
        ),
        policyArb,
        nowArb,
        ([list, shuffled], policy, now) => {
          expect(applyRetention(shuffled, policy, now)).toEqual(applyRetention(list, policy, now));
        },
      ),
    );
  });
});
