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

/**
 * Data center names come from the snitch (cassandra-rackdc.properties, cloud regions): printable ASCII, no
 * leading or trailing space. Anything else cannot name a real data center, and would reach the logs as given.
 */
export function IsDataCenterName(options?: ValidationOptions): PropertyDecorator {
  return Matches(/^[\x21-\x7e](?:[\x20-\x7e]{0,126}[\x21-\x7e])?$/, {
    message: '$property must be a data center name (printable ASCII, 1-128 characters, no leading or trailing space)',
    ...options,
  });
}

/** ISO-8601 ("PT2H", "P1DT30M") or Icarus's "<n> <unit>" ("2 HOURS", "90 minutes"), as the agents parse it. */
export const DURATION =
  /^(?:P(?=\d|T\d)(?:\d{1,9}D)?(?:T(?=\d)(?:\d{1,9}H)?(?:\d{1,9}M)?(?:\d{1,9}S)?)?|\d{1,9}\s*(?:seconds?|minutes?|hours?|days?))$/i;

export function IsDuration(options?: ValidationOptions): PropertyDecorator {
  return Matches(DURATION, {
    message: '$property must be an ISO-8601 duration (PT2H) or "<n> <unit>" (2 HOURS; seconds, minutes, hours or days)',
    ...options,
  });
}
