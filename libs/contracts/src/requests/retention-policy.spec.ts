import { parseRetentionPolicy, retentionPolicyErrors, RetentionPolicy } from './retention-policy';
import { parseDurationMs } from './duration';

function fields(raw: unknown, prefix?: string): string[] {
  return [...new Set(parseRetentionPolicy(raw, prefix).errors.map((e) => e.field))];
}

describe('RetentionPolicy validation', () => {
  it('accepts a policy with a keep rule, numbers as strings included (Icarus clients send them so)', () => {
    const parsed = parseRetentionPolicy({ keepLast: '3', keepWithin: '30 days', incompleteGrace: 'PT6H' });
    expect(parsed.errors).toEqual([]);
    expect(parsed.policy).toMatchObject({ keepLast: 3, keepWithin: '30 days', incompleteGrace: 'PT6H' });
  });

  it('refuses a policy with no keep rule, naming the nested field', () => {
    expect(parseRetentionPolicy({})).toEqual({
      errors: [expect.objectContaining({ field: 'retention', message: expect.stringMatching(/^retention: name at least one keep rule/) })],
    });
    expect(fields({ incompleteGrace: 'P2D' }, 'policies[0].policy')).toEqual(['policies[0].policy']);
  });

  it('refuses bad values naming retention.<field>', () => {
    expect(fields({ keepWithin: 'soon' })).toEqual(['retention.keepWithin']);
    expect(fields({ keepLast: 0 })).toEqual(['retention.keepLast']);
    expect(fields({ keepLast: 1.5 })).toEqual(['retention.keepLast']);
    expect(fields({ keepDaily: 'many' })).toEqual(['retention.keepDaily']);
    expect(fields({ keepLast: 1, incompleteGrace: 'PT5M' })).toEqual(['retention.incompleteGrace']);
    expect(fields({ keepWithin: '0 days' })).toEqual(['retention.keepWithin']);
    expect(fields({ keepLast: 1, keeplast: 1 })).toEqual(['retention.keeplast']); // a misspelt rule is not ignored
    expect(fields([1])).toEqual(['retention']);
    expect(fields('keepLast=1')).toEqual(['retention']);
  });

  it('retentionPolicyErrors checks the cross-field rules of an already-shaped policy under any prefix', () => {
    expect(retentionPolicyErrors(Object.assign(new RetentionPolicy(), { keepMonthly: 6 }))).toEqual([]);
    expect(retentionPolicyErrors(new RetentionPolicy(), 'x.retention').map((e) => e.field)).toEqual(['x.retention']);
  });

  it('parseDurationMs reads both duration forms the validator accepts', () => {
    expect(parseDurationMs('PT2H')).toBe(2 * 3600_000);
    expect(parseDurationMs('P1DT30M')).toBe(86_400_000 + 30 * 60_000);
    expect(parseDurationMs('90 minutes')).toBe(90 * 60_000);
    expect(parseDurationMs('2 HOURS')).toBe(2 * 3600_000);
    expect(() => parseDurationMs('P')).toThrow(/neither ISO-8601/);
    expect(() => parseDurationMs('3 fortnights')).toThrow(/neither ISO-8601/);
  });
});
