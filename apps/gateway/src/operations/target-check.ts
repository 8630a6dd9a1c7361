import { cassandraDirectoryErrors, dataDirsErrors } from './cassandra-directory';
import { FieldError, NodeRegistration, OperationRequest } from '@daedalus/contracts';
import { rootErrors } from './root-check';

/**
 * The tables a node registered for a keyspace, or undefined. The registration's map is a plain object decoded
 * from JSON and the keyspace name comes from the client: look it up as an own key only, so names such as
 * `__proto__` or `constructor` find nothing instead of Object.prototype's members.
 */
function tablesIn(keyspaces: Record<string, string[]> | undefined, keyspace: string): string[] | undefined {
  if (!keyspaces || !Object.prototype.hasOwnProperty.call(keyspaces, keyspace)) return undefined;
  const tables = keyspaces[keyspace];
  return Array.isArray(tables) ? tables : undefined;
}

function name(node: NodeRegistration): string {
  return `${node.hostId} (${node.address})`;
}

/** "on node X" when only some targets lack the name; nothing when all do (the name simply does not exist). */
function where(lacking: NodeRegistration[], known: NodeRegistration[]): string {
  return lacking.length < known.length ? ` on node(s) ${lacking.map(name).join(', ')}` : '';
}

/** The keyspace and table names a request refers to, with the field that carries each. */
function namesOf(request: OperationRequest): { keyspace?: string; tables: string[]; tablesField: 'tables' | 'table' } {
  switch (request.type) {
    case 'flush':
    case 'cleanup':
    case 'scrub':
    case 'upgradesstables':
      return { keyspace: request.keyspace, tables: request.tables ?? [], tablesField: 'tables' };
    case 'refresh':
    case 'truncate':
    case 'import':
      return { keyspace: request.keyspace, tables: [request.table], tablesField: 'table' };
    case 'rebuild':
      return { keyspace: request.keyspace, tables: [], tablesField: 'tables' };
    default:
      return { tables: [], tablesField: 'tables' };
  }
}

/**
 * What the registered targets of a request can tell before it becomes an operation: the keyspace and
 * tables it names exist there (agents register their node's schema), a truncate is allowed by at least one
 * of them, the directories it names are within every target's roots (root-check.ts), and a decommission is not sent to several nodes at once. Targets whose agent registered no
 * schema are not judged. The agents check the names again when they run, as the schema may change meanwhile.
 */
export function checkAgainstTargets(request: OperationRequest, targets: NodeRegistration[]): FieldError[] {
  return [...capabilityErrors(request, targets), ...nameErrors(request, targets)];
}

function capabilityErrors(request: OperationRequest, targets: NodeRegistration[]): FieldError[] {
  const errors: FieldError[] = [];
  if (request.type === 'decommission' && request.globalRequest) {
    errors.push({
      field: 'globalRequest',
      message: 'decommission runs on one node at a time (Cassandra refuses concurrent range movements): name the node with hostId',
    });
  }
  if (request.type === 'truncate' && targets.length > 0 && !targets.some((t) => t.capabilities?.truncateEnabled)) {
    errors.push({
      field: 'type',
      message: 'truncate is not enabled on the target node(s): start their agents with --enable-truncate',
    });
  }
  errors.push(...rootErrors(request, targets), ...cassandraDirectoryErrors(request, targets), ...dataDirsErrors(request, targets));
  return errors;
}

/** The keyspaces and tables a request names that the targets' schemas (as given) do not have. */
export function nameErrors(request: OperationRequest, targets: NodeRegistration[]): FieldError[] {
  const errors: FieldError[] = [];
  const { keyspace, tables, tablesField } = namesOf(request);
  const known = targets.filter((t) => t.keyspaces !== undefined);
  errors.push(...entityErrors(request, known));
  if (keyspace === undefined || known.length === 0) return errors;
  const lackingKeyspace = known.filter((t) => tablesIn(t.keyspaces, keyspace) === undefined);
  if (lackingKeyspace.length > 0) {
    errors.push({ field: 'keyspace', message: `keyspace ${keyspace} does not exist${where(lackingKeyspace, known)}` });
    return errors;
  }
  for (const table of new Set(tables)) {
    const lacking = known.filter((t) => !(tablesIn(t.keyspaces, keyspace) ?? []).includes(table));
    if (lacking.length > 0) {
      errors.push({ field: tablesField, message: `table ${table} does not exist in keyspace ${keyspace}${where(lacking, known)}` });
    }
  }
  return errors;
}

/**
 * The targets whose registered schema lacks a name the request uses. A registration is rewritten only at a
 * heartbeat (and re-reads the schema a few heartbeats after it changed), so a table created a second ago may
 * be missing from it: these are the nodes to ask live before refusing. Empty on the happy path.
 */
export function targetsLackingNames(request: OperationRequest, targets: NodeRegistration[]): NodeRegistration[] {
  return targets.filter((t) => t.keyspaces !== undefined && nameErrors(request, [t]).length > 0);
}

/** A node's live answer to a schema query: its keyspaces, or why there is none. */
export type LiveSchema = { ok: true; keyspaces: Record<string, string[]> } | { ok: false; reason: string };

function withLiveSchemas(targets: NodeRegistration[], live: ReadonlyMap<string, LiveSchema>): NodeRegistration[] {
  return targets.map((t) => {
    const answer = live.get(t.hostId);
    return answer?.ok ? { ...t, keyspaces: answer.keyspaces } : t;
  });
}

/**
 * The name check again, with each answering node's live schema in place of its registered one. Names still
 * missing on a node that did not answer are refused as before, saying the schema could not be confirmed live.
 */
export function recheckWithLiveSchemas(
  request: OperationRequest,
  targets: NodeRegistration[],
  live: ReadonlyMap<string, LiveSchema>,
): FieldError[] {
  const updated = withLiveSchemas(targets, live);
  const unconfirmed = [...live.entries()].flatMap(([hostId, answer]) => (answer.ok ? [] : [`${hostId}: ${answer.reason}`]));
  const suffix = unconfirmed.length > 0 ? ` (the schema could not be confirmed live: ${unconfirmed.join('; ')})` : '';
  return [...capabilityErrors(request, updated), ...nameErrors(request, updated).map((e) => ({ ...e, message: `${e.message}${suffix}` }))];
}

/**
 * The nodes worth asking again: they answered, still lack a name, and another target already has every name
 * the request uses — a new table's schema is still reaching them (Cassandra propagates schema changes in the
 * background; a driver waits for "schema agreement" the same way). When no target has the names, nobody is
 * asked again: they do not exist.
 */
export function nodesToAskAgain(
  request: OperationRequest,
  targets: NodeRegistration[],
  live: ReadonlyMap<string, LiveSchema>,
): NodeRegistration[] {
  const updated = withLiveSchemas(targets, live).filter((t) => t.keyspaces !== undefined);
  if (!updated.some((t) => nameErrors(request, [t]).length === 0)) return [];
  return updated.filter((t) => live.get(t.hostId)?.ok === true && nameErrors(request, [t]).length > 0);
}

/**
 * Backup `entities` ("ks1,ks2" or "ks.t1,ks.t2") must exist on the nodes; a restore's target tables (after
 * `rename`) must exist too, since a restore never creates schema.
 */
function entityErrors(request: OperationRequest, known: NodeRegistration[]): FieldError[] {
  if ((request.type !== 'backup' && request.type !== 'restore') || known.length === 0) return [];
  const errors: FieldError[] = [];
  const entities = (request.entities ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  // a Map: the client's names must not meet Object.prototype's members on lookup
  const rename = new Map(request.type === 'restore' ? Object.entries(request.rename ?? {}) : []);
  const check = (entity: string, field: string, role: string) => {
    const [ks, table] = entity.split('.');
    const lacking = known.filter((t) =>
      table === undefined ? tablesIn(t.keyspaces, ks) === undefined : !(tablesIn(t.keyspaces, ks) ?? []).includes(table),
    );
    if (lacking.length > 0) errors.push({ field, message: `${role} ${entity} does not exist${where(lacking, known)}` });
  };
  for (const entity of entities) {
    if (rename.has(entity)) continue; // the renamed target is checked below; the source only has to be in the backup
    check(entity, 'entities', entity.includes('.') ? 'table' : 'keyspace');
  }
  for (const target of rename.values()) check(target, 'rename', 'target table');
  return errors;
}
