import { parseCassandraVersion } from './cassandra-version';

describe("Icarus's CassandraVersion", () => {
  it.each([
    ['4.1.7', { major: 4, minor: 1, patch: 7, dsePatch: -1, preReleaseLabels: [] }],
    ['5.0-beta1', { major: 5, minor: 0, patch: 0, dsePatch: -1, preReleaseLabels: ['beta1'] }],
    ['4.0.0-SNAPSHOT', { major: 4, minor: 0, patch: 0, dsePatch: -1, preReleaseLabels: ['SNAPSHOT'] }],
    ['6.8.1.2', { major: 6, minor: 8, patch: 1, dsePatch: 2, preReleaseLabels: [] }],
    ['3.11.7-rc.1', { major: 3, minor: 11, patch: 7, dsePatch: -1, preReleaseLabels: ['rc', '1'] }],
  ])('splits %s', (release, expected) => {
    expect(parseCassandraVersion(release)).toEqual(expected);
  });

  it('is undefined for what is not a release version', () => {
    expect(parseCassandraVersion('unknown')).toBeUndefined();
    expect(parseCassandraVersion('')).toBeUndefined();
  });
});
