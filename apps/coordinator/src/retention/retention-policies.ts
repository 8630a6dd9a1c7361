import { parseRetentionPolicy, RetentionPolicy, storageLocationProblem } from '@daedalus/contracts';

/** A policy applied after each successful global backup to one storage location (and, when named, one cluster). */
export interface RetentionPolicyEntry {
  /** as a backup request names it (`s3://bucket`, `file:///backups`); a backup to a path below it matches too */
  storageLocation: string;
  /** Cassandra's cluster name; absent: every cluster backing up there */
  cluster?: string;
  policy: RetentionPolicy;
}

export type RetentionPoliciesParse = { entries: RetentionPolicyEntry[]; errors: [] } | { entries?: undefined; errors: string[] };

const ENTRY_FIELDS = new Set(['storageLocation', 'cluster', 'policy']);

/**
 * The retention policies file (`--retention-policies-file`): a JSON array of `{storageLocation, cluster?, policy}`.
 * Every problem names its field (`[1].policy.keepWithin`); a location named twice for the same cluster is refused
 * (which policy applied would depend on the order).
 */
export function parseRetentionPolicies(text: string): RetentionPoliciesParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { errors: [`not JSON: ${(error as Error).message}`] };
  }
  if (!Array.isArray(raw)) return { errors: ['must be a JSON array of {"storageLocation", "cluster"?, "policy"}'] };
  const errors: string[] = [];
  const entries: RetentionPolicyEntry[] = [];
  raw.forEach((item: unknown, index) => {
    const at = `[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      errors.push(`${at} must be an object`);
      return;
    }
    const fields = item as Record<string, unknown>;
    for (const field of Object.keys(fields))
      if (!ENTRY_FIELDS.has(field)) errors.push(`${at}.${field} is not a field of a retention entry`);
    const { storageLocation, cluster } = fields;
    const locationProblem = typeof storageLocation === 'string' ? storageLocationProblem(storageLocation) : 'must be a string';
    if (locationProblem) errors.push(`${at}.storageLocation: ${locationProblem}`);
    if (cluster !== undefined && (typeof cluster !== 'string' || cluster.trim() === ''))
      errors.push(`${at}.cluster must be a non-empty string`);
    const parsed = parseRetentionPolicy(fields.policy, `${at}.policy`);
    errors.push(...parsed.errors.map((e) => e.message));
    if (!locationProblem && parsed.policy && errors.length === 0) {
      entries.push({
        storageLocation: storageLocation as string,
        ...(cluster !== undefined ? { cluster: cluster as string } : {}),
        policy: parsed.policy,
      });
    }
  });
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const key = `${normalised(entry.storageLocation)} ${entry.cluster ?? '*'}`;
    const first = seen.get(key);
    if (first !== undefined) errors.push(`[${index}] names the same storageLocation and cluster as [${first}]`);
    else seen.set(key, index);
  });
  return errors.length > 0 ? { errors } : { entries, errors: [] };
}

const normalised = (location: string) => {
  const trimmed = location.trim().replace(/\/+$/, '');
  const scheme = /^[a-z0-9+.-]+:\/\//i.exec(trimmed)?.[0] ?? '';
  return scheme.toLowerCase() + trimmed.slice(scheme.length);
};

/**
 * The policy for a backup to `storageLocation` of `cluster`: the entry naming this cluster before one for every
 * cluster, and the entry naming the location most precisely (its longest prefix, path-segment-wise).
 */
export function retentionPolicyFor(
  entries: RetentionPolicyEntry[],
  storageLocation: string,
  cluster: string | undefined,
): RetentionPolicyEntry | undefined {
  const location = normalised(storageLocation);
  const matching = entries.filter((entry) => {
    const base = normalised(entry.storageLocation);
    return (location === base || location.startsWith(`${base}/`)) && (entry.cluster === undefined || entry.cluster === cluster);
  });
  const rank = (entry: RetentionPolicyEntry) => (entry.cluster !== undefined ? 1_000_000 : 0) + normalised(entry.storageLocation).length;
  return matching.sort((a, b) => rank(b) - rank(a))[0];
}
