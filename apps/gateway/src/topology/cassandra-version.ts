/** Icarus's CassandraVersion (GET /version/cassandra): the release version split into its parts. */
export interface CassandraVersionView {
  major: number;
  minor: number;
  patch: number;
  /** DataStax Enterprise's fourth number; -1 for Apache Cassandra */
  dsePatch: number;
  /** what follows `-`, split on `.` (e.g. ["SNAPSHOT"], ["beta1"]) */
  preReleaseLabels: string[];
}

const RELEASE = /^(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/;

/** Parses Cassandra's ReleaseVersion ("4.1.7", "5.0-beta1", "4.0.0-SNAPSHOT"); undefined when it is none of these. */
export function parseCassandraVersion(release: string): CassandraVersionView | undefined {
  const match = RELEASE.exec(release.trim());
  if (!match) return undefined;
  const [, major, minor, patch, dsePatch, labels] = match;
  return {
    major: Number(major),
    minor: Number(minor),
    patch: Number(patch ?? 0),
    dsePatch: dsePatch === undefined ? -1 : Number(dsePatch),
    preReleaseLabels: labels ? labels.split('.') : [],
  };
}
