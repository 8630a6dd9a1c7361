import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ConfigReader } from '@daedalus/common';
import { CoordinatorConfig } from '../coordinator-config';
import { parseRetentionPolicies, retentionPolicyFor } from './retention-policies';

const errorsOf = (value: unknown) => parseRetentionPolicies(JSON.stringify(value)).errors;

describe('retention policies file', () => {
  it('reads entries with their validated policy', () => {
    const parsed = parseRetentionPolicies(
      JSON.stringify([
        { storageLocation: 's3://bucket', policy: { keepLast: 7, keepWithin: '30 days' } },
        { storageLocation: 'file:///backups', cluster: 'prod', policy: { keepDaily: '14' } },
      ]),
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.entries).toEqual([
      { storageLocation: 's3://bucket', policy: expect.objectContaining({ keepLast: 7, keepWithin: '30 days' }) },
      { storageLocation: 'file:///backups', cluster: 'prod', policy: expect.objectContaining({ keepDaily: 14 }) },
    ]);
  });

  it('names every bad field', () => {
    expect(parseRetentionPolicies('{').errors[0]).toMatch(/^not JSON/);
    expect(errorsOf({})).toEqual(['must be a JSON array of {"storageLocation", "cluster"?, "policy"}']);
    expect(errorsOf([7])).toEqual(['[0] must be an object']);
    expect(errorsOf([{ storageLocation: 's3://b', policy: {} }])[0]).toMatch(/^\[0\]\.policy: name at least one keep rule/);
    expect(errorsOf([{ storageLocation: 's3://b', policy: { keepWithin: 'soon' } }])[0]).toMatch(/^\[0\]\.policy\.keepWithin must be/);
    expect(errorsOf([{ storageLocation: 's3://b', policy: { keepLast: 0 } }])[0]).toMatch(
      /^\[0\]\.policy\.keepLast must not be less than 1/,
    );
    expect(errorsOf([{ storageLocation: 's3://b', policy: { keepLast: 1, keeplast: 2 } }])[0]).toMatch(/^\[0\]\.policy\.keeplast/);
    expect(errorsOf([{ storageLocation: 'nowhere', policy: { keepLast: 1 } }])[0]).toMatch(/^\[0\]\.storageLocation: /);
    expect(errorsOf([{ storageLocation: 's3://b', cluster: '', policy: { keepLast: 1 } }])).toEqual([
      '[0].cluster must be a non-empty string',
    ]);
    expect(errorsOf([{ storageLocation: 's3://b', policy: { keepLast: 1 }, retention: {} }])).toEqual([
      '[0].retention is not a field of a retention entry',
    ]);
    expect(errorsOf([{ storageLocation: 's3://b' }])[0]).toMatch(/^\[0\]\.policy must be an object/);
    expect(
      errorsOf([
        { storageLocation: 's3://b', policy: { keepLast: 1 } },
        { storageLocation: 'S3://b/', policy: { keepLast: 2 } },
      ]),
    ).toEqual(['[1] names the same storageLocation and cluster as [0]']);
  });

  it('picks the policy naming the cluster, then the most precise location', () => {
    const parsed = parseRetentionPolicies(
      JSON.stringify([
        { storageLocation: 's3://bucket', policy: { keepLast: 1 } },
        { storageLocation: 's3://bucket/team', policy: { keepLast: 2 } },
        { storageLocation: 's3://bucket', cluster: 'prod', policy: { keepLast: 3 } },
      ]),
    );
    const entries = parsed.entries ?? [];
    expect(retentionPolicyFor(entries, 's3://bucket', 'dev')?.policy.keepLast).toBe(1);
    expect(retentionPolicyFor(entries, 's3://bucket/team/x', 'dev')?.policy.keepLast).toBe(2);
    expect(retentionPolicyFor(entries, 's3://bucket/team', 'prod')?.policy.keepLast).toBe(3);
    expect(retentionPolicyFor(entries, 's3://bucketeer', 'dev')).toBeUndefined();
    expect(retentionPolicyFor(entries, 'gcp://bucket', 'dev')).toBeUndefined();
  });

  describe('--retention-policies-file', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'retention-config-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const load = (file: string) => new CoordinatorConfig(new ConfigReader(['--retention-policies-file', file], {}));

    it('is read and validated at start-up, a bad entry failing it naming the file and the field', () => {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify([{ storageLocation: 's3://bucket', policy: { keepLast: 3 } }]));
      expect(load(good).retentionPolicies).toEqual([{ storageLocation: 's3://bucket', policy: expect.objectContaining({ keepLast: 3 }) }]);
      expect(new CoordinatorConfig(new ConfigReader([], {})).retentionPolicies).toEqual([]);

      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify([{ storageLocation: 's3://bucket', policy: { keepWithin: 'PT0S' } }]));
      expect(() => load(bad)).toThrow(ConfigError);
      expect(() => load(bad)).toThrow(/--retention-policies-file .*bad\.json: \[0\]\.policy\.keepWithin must be longer than zero/);
      expect(() => load(join(dir, 'missing.json'))).toThrow(/--retention-policies-file .*missing\.json cannot be read/);
    });
  });
});
