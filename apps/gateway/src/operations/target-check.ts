import { FieldError, NodeRegistration, OperationRequest } from '@daedalus/contracts';

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
 * of them, and a decommission is not sent to several nodes at once. Targets whose agent registered no
 * schema are not judged. The agents check the names again when they run, as the schema may change meanwhile.
 */
export function checkAgainstTargets(request: OperationRequest, targets: NodeRegistration[]): FieldError[] {
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
  const { keyspace, tables, tablesField } = namesOf(request);
  const known = targets.filter((t) => t.keyspaces !== undefined);
  errors.push(...entityErrors(request, known));
  if (keyspace === undefined || known.length === 0) return errors;
  const lackingKeyspace = known.filter((t) => !Object.prototype.hasOwnProperty.call(t.keyspaces, keyspace));
  if (lackingKeyspace.length > 0) {
    errors.push({ field: 'keyspace', message: `keyspace ${keyspace} does not exist${where(lackingKeyspace, known)}` });
    return errors;
  }
  for (const table of new Set(tables)) {
    const lacking = known.filter((t) => !(t.keyspaces?.[keyspace] ?? []).includes(table));
    if (lacking.length > 0) {
      errors.push({ field: tablesField, message: `table ${table} does not exist in keyspace ${keyspace}${where(lacking, known)}` });
    }
  }
  return errors;
}

/**
 * Backup `entities` ("ks1,ks2" or "ks.t1,ks.t2") must exist on the nodes; a restore's target tables (after
 * `rename`) must exist too, since a restore never creates schema.
 */
function entityErrors(request: OperationRequest, known: NodeRegistration[]): FieldError[] {
  if ((request.type !== 'backup' && request.type !== 'restore') || known.length === 0) return [];
  const errors: FieldError[] = [];
  const entities = (request.entities ?? '').split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  const rename = request.type === 'restore' ? (request.rename ?? {}) : {};
  const check = (entity: string, field: string, role: string) => {
    const [ks, table] = entity.split('.');
    const lacking = known.filter((t) => (table === undefined ? !Object.prototype.hasOwnProperty.call(t.keyspaces, ks) : !(t.keyspaces?.[ks] ?? []).includes(table)));
    if (lacking.length > 0) errors.push({ field, message: `${role} ${entity} does not exist${where(lacking, known)}` });
  };
  for (const entity of entities) {
    const target = rename[entity];
    if (target) continue; // the renamed target is checked below; the source only has to be in the backup
    check(entity, 'entities', entity.includes('.') ? 'table' : 'keyspace');
  }
  for (const target of Object.values(rename)) check(target, 'rename', 'target table');
  return errors;
}
