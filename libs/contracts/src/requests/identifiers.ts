import { Matches, ValidationOptions } from 'class-validator';

/** Unquoted Cassandra identifiers: letters, digits and underscores, at most 48 characters. */
export const CASSANDRA_NAME = /^[A-Za-z0-9_]{1,48}$/;

export function IsCassandraName(options?: ValidationOptions): PropertyDecorator {
  return Matches(CASSANDRA_NAME, {
    message: '$property must be a Cassandra identifier (letters, digits, underscores, 1-48 characters)',
    ...options,
  });
}

/** Backup/restore entities: "ks1,ks2" or "ks1.t1,ks2.t2" (one form, not mixed). */
export function IsEntityList(options?: ValidationOptions): PropertyDecorator {
  return Matches(
    /^(?:[A-Za-z0-9_]{1,48}(?:,[A-Za-z0-9_]{1,48})*|[A-Za-z0-9_]{1,48}\.[A-Za-z0-9_]{1,48}(?:,[A-Za-z0-9_]{1,48}\.[A-Za-z0-9_]{1,48})*)$/,
    { message: '$property must be "ks1,ks2" or "ks1.t1,ks2.t2"', ...options },
  );
}

/** Snapshot tags and backup names become path segments: no separators, no "..". */
export function IsSafeName(options?: ValidationOptions): PropertyDecorator {
  return Matches(/^(?!\.{1,2}$)[A-Za-z0-9_.:-]{1,200}$/, {
    message: '$property may hold only letters, digits and _ . : - (1-200 characters), and may not be "." or ".."',
    ...options,
  });
}

/** A path on the node: absolute, so it never depends on the agent's working directory. */
export function IsAbsolutePath(options?: ValidationOptions): PropertyDecorator {
  return Matches(/^(?!.*\/\.\.(?:\/|$))\//, {
    message: '$property must be an absolute path on the node, without ".." segments',
    ...options,
  });
}
