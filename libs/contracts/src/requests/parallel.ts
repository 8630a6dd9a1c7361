import type { FieldError } from './registry';

/**
 * `parallel` (Daedalus extension, ScyllaDB Manager's `--snapshot-parallel` / `--upload-parallel`): how many nodes
 * of a data center run a global operation's node-by-node phase at once. A number applies to every data center;
 * `{dc1: 2, dc2: 1}` to the data centers it names (the others run all their nodes at once). See docs/design.md
 * "Gentle on the cluster".
 */
export type ParallelLimit = number | Record<string, number>;

export const MAX_PARALLEL = 1000;
const MAX_PARALLEL_DCS = 64;
const DC_NAME = /^[\x21-\x7e](?:[\x20-\x7e]{0,126}[\x21-\x7e])?$/;

/**
 * The single-phase types that run on every node of a global request and may take their turns. The multi-phase
 * types say it per phase in their protocol (`PhaseRules.parallel`: backup UPLOAD, restore DOWNLOAD and IN_PLACE).
 * Not here: truncate (one node truncates for the cluster), list and remove-backup (one node's storage work),
 * import (node-local files), decommission and drain (one node at a time is the operator's call, not a
 * throttle), commit-log backup and restore (their own cadence).
 */
export const PARALLEL_SINGLE_PHASE_TYPES: ReadonlySet<string> = new Set([
  'cleanup',
  'flush',
  'scrub',
  'upgradesstables',
  'refresh',
  'rebuild',
  'verify',
]);

/**
 * The single-phase types whose work a maintenance window's end pauses (the multi-phase types say it per phase:
 * `PhaseRules.pausable`): verify only reads and stops between objects, and runs again in the next window. The
 * others of the set above run a Cassandra operation over JMX that the agent cannot stop at a safe point.
 */
export const PAUSABLE_SINGLE_PHASE_TYPES: ReadonlySet<string> = new Set(['verify']);

const isLimit = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_PARALLEL;

/** The shape of `parallel` as sent: each problem names the field (`parallel` or `parallel.<dc>`). */
export function parallelShapeErrors(value: unknown): FieldError[] {
  if (value === undefined) return [];
  if (typeof value === 'number') {
    return isLimit(value) ? [] : [{ field: 'parallel', message: `parallel must be an integer from 1 to ${MAX_PARALLEL}` }];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field: 'parallel', message: 'parallel must be a number of nodes, or an object of data center name to number of nodes' }];
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return [{ field: 'parallel', message: 'parallel must name at least one data center' }];
  if (entries.length > MAX_PARALLEL_DCS) {
    return [{ field: 'parallel', message: `parallel may name at most ${MAX_PARALLEL_DCS} data centers` }];
  }
  const errors: FieldError[] = [];
  for (const [dc, limit] of entries) {
    if (!DC_NAME.test(dc)) {
      errors.push({ field: 'parallel', message: 'parallel keys must be data center names (printable ASCII, 1-128 characters)' });
    } else if (!isLimit(limit)) {
      errors.push({ field: `parallel.${dc}`, message: `parallel.${dc} must be an integer from 1 to ${MAX_PARALLEL}` });
    }
  }
  return errors;
}

/** How many nodes of `dc` may run a parallel phase at once; undefined: no limit. */
export function parallelLimitFor(parallel: ParallelLimit | undefined, dc: string): number | undefined {
  if (parallel === undefined) return undefined;
  if (typeof parallel === 'number') return parallel;
  return Object.prototype.hasOwnProperty.call(parallel, dc) ? parallel[dc] : undefined;
}

/** The data centers `parallel` names that have no node among `dcs` (the operation's targets): a limit that would do nothing. */
export function parallelDcsWithoutTargets(parallel: ParallelLimit | undefined, dcs: readonly string[]): string[] {
  if (parallel === undefined || typeof parallel === 'number') return [];
  return Object.keys(parallel).filter((dc) => !dcs.includes(dc));
}
