import { OperationType } from '@daedalus/contracts';

/** What a caller may do, each role including the ones before it. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/**
 * THE table: the role each operation type needs to be submitted. `operator` runs work that adds or checks and
 * loses no data; `admin` runs what replaces, deletes or removes data or takes a node out of service. Typed as a
 * Record over every OperationType, so a new type does not compile until it is placed here.
 */
export const OPERATION_ROLES: Readonly<Record<OperationType, Role>> = {
  backup: 'operator',
  'commitlog-backup': 'operator',
  list: 'operator',
  flush: 'operator',
  cleanup: 'operator', // drops only data the node no longer owns (what Cassandra's own nodetool cleanup does)
  scrub: 'operator', // snapshots before it rewrites; the rows it skips were unreadable anyway
  upgradesstables: 'operator',
  refresh: 'operator', // loads SSTables already placed in the table's directory by someone with file access
  rebuild: 'operator', // streams data in from another DC; deletes nothing
  verify: 'operator', // reads the store; writes only its own verification records
  restore: 'admin',
  'commitlog-restore': 'admin',
  import: 'admin', // writes data into live tables
  truncate: 'admin',
  'remove-backup': 'admin', // deletes backups, the only copy of data once a table is lost; a dry run deletes nothing but plans it
  decommission: 'admin',
  drain: 'admin',
};

/** The other things the API lets a caller do, and the role each needs. */
export const ACTION_ROLES = {
  /** every GET (operations, topology, status, versions, backups, nodes, API docs) */
  read: 'viewer',
  /** POST /operations of a type this table does not know: the least role that may submit anything (a 400 follows) */
  'submit-unknown-type': 'operator',
  /** DELETE /operations/{id} of an operation the caller submitted itself */
  'cancel-own': 'operator',
  /** DELETE /operations/{id} of anyone else's operation (or one submitted straight over NATS) */
  'cancel-any': 'admin',
  /** POST /operations/{id}/resume: goes on with a restore (truncates and imports) */
  resume: 'admin',
  /** POST /operations of a verify with `deleteOrphans: true`: it deletes objects, as remove-backup does */
  'verify-delete-orphans': 'admin',
  /** DELETE /nodes/{hostId} */
  'remove-node': 'admin',
  /**
   * POST/PUT /schedules: at least this, and what submitting the schedule's request needs (a scheduled restore or
   * remove-backup needs admin): a schedule is that request submitted later, unattended
   */
  schedule: 'operator',
  /** DELETE /schedules/{id}: stopping future runs loses no data, whoever made the schedule */
  'delete-schedule': 'operator',
  /**
   * POST /alerts/alertmanager: tells the configured webhooks of Daedalus's own alerts; it changes nothing in the
   * cluster or the store, so the role that submits backups suffices (Alertmanager sends an operator token)
   */
  alert: 'operator',
} as const satisfies Record<string, Role>;
