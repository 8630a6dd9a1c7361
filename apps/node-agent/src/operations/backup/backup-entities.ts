import { CassandraNode } from '../../cassandra/cassandra-node';
import { OperationRejectedError } from '../executor';

/** Keyspaces Cassandra manages itself: never backed up unless named (system_schema may be asked for). */
export const SYSTEM_KEYSPACES = new Set([
  'system',
  'system_schema',
  'system_auth',
  'system_distributed',
  'system_traces',
  'system_views',
  'system_virtual_schema',
]);

export interface BackupScope {
  tables: Array<{ keyspace: string; table: string }>;
  /** what takeSnapshot gets: all keyspace names, or all "ks.table" names */
  snapshotEntities: string[];
  keyspaces: string[];
}

/**
 * Resolves Icarus `entities` ("ks1,ks2" or "ks1.t1,ks2.t2"; absent = every non-system keyspace) against the
 * node's live schema, rejecting names that do not exist there.
 */
export async function resolveBackupScope(node: CassandraNode, entities?: string): Promise<BackupScope> {
  const existing = new Set(await node.keyspaces());
  const named = (entities ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  const byTable = named.length > 0 && named[0].includes('.');
  const keyspaces =
    named.length > 0 ? [...new Set(named.map((e) => e.split('.')[0]))] : [...existing].filter((k) => !SYSTEM_KEYSPACES.has(k)).sort();
  const missing = keyspaces.filter((k) => !existing.has(k));
  if (missing.length > 0) throw new OperationRejectedError(`keyspace(s) ${missing.join(', ')} do not exist on this node`);

  const tables: BackupScope['tables'] = [];
  for (const keyspace of keyspaces) {
    const known = await node.tables(keyspace);
    const wanted = byTable ? named.filter((e) => e.startsWith(`${keyspace}.`)).map((e) => e.slice(keyspace.length + 1)) : known;
    const unknown = wanted.filter((t) => !known.includes(t));
    if (unknown.length > 0)
      throw new OperationRejectedError(`table(s) ${unknown.map((t) => `${keyspace}.${t}`).join(', ')} do not exist on this node`);
    tables.push(...wanted.map((table) => ({ keyspace, table })));
  }
  if (tables.length === 0) throw new OperationRejectedError('nothing to back up: no tables in the named keyspaces');
  return { tables, keyspaces, snapshotEntities: byTable ? named : keyspaces };
}
