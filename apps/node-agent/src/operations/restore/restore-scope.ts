import { join } from 'node:path';
import { AgentRoots, RestoreRequest } from '@daedalus/contracts';
import { SYSTEM_KEYSPACES } from '../backup/backup-entities';
import { ManifestFile, ManifestTable, NodeManifest } from '../../repository/manifest';
import { CassandraNode } from '../../cassandra/cassandra-node';
import { OperationRejectedError } from '../executor';
import { identifierProblem, joinIdentifiers } from '../../paths/manifest-names';
import { defaultStagingDir } from '../../paths/agent-roots';

/** One table to restore: where its data comes from in the backup and which live table receives it. */
export interface RestoreTable {
  keyspace: string;
  /** table name in the backup */
  source: string;
  /** table name that receives the data (differs with `rename`) */
  target: string;
  files: ManifestFile[];
  bytes: number;
}

export const tableId = (keyspace: string, table: string) => `${keyspace}.${table}`;

/** The backed-up tables a request names (`entities`, else every non-system table), with `rename` applied. */
export function restoreTables(manifest: NodeManifest, request: RestoreRequest): RestoreTable[] {
  const named = (request.entities ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  const wanted = (t: ManifestTable) => {
    if (named.length === 0)
      return !SYSTEM_KEYSPACES.has(t.keyspace) || (t.keyspace === 'system_auth' && request.restoreSystemAuth === true);
    return named.includes(t.keyspace) || named.includes(tableId(t.keyspace, t.table));
  };
  const missing = named.filter((e) => !manifest.tables.some((t) => t.keyspace === e || tableId(t.keyspace, t.table) === e));
  if (missing.length > 0) throw new OperationRejectedError(`the backup holds no ${missing.join(', ')}`);
  return manifest.tables.filter(wanted).map((t) => {
    const target = request.rename?.[tableId(t.keyspace, t.table)]?.split('.')[1] ?? t.table;
    // the target names directories: an identifier, whoever sent the rename (the gateway checked it too)
    const problem = identifierProblem(target);
    if (problem) throw new OperationRejectedError(`rename: target table ${JSON.stringify(target)}: ${problem}`);
    return { keyspace: t.keyspace, source: t.table, target, files: t.files, bytes: t.files.reduce((sum, f) => sum + f.size, 0) };
  });
}

/** Target tables must exist on the node: a restore never creates schema. */
export async function requireTargets(node: CassandraNode, tables: RestoreTable[]): Promise<void> {
  const schema = await node.schema();
  const missing = tables.filter((t) => !(schema[t.keyspace] ?? []).includes(t.target)).map((t) => tableId(t.keyspace, t.target));
  if (missing.length > 0) throw new OperationRejectedError(`target table(s) ${missing.join(', ')} do not exist: create them first`);
}

/**
 * Where downloads wait for IMPORT: one directory per operation under the first staging root (by default beside
 * the first data directory: same filesystem, so HARDLINKS can link), or `import.sourceDir` when the request
 * names one (confined to the staging roots before any phase runs: paths/confinement.ts).
 */
export function stagingRoot(request: RestoreRequest, roots: AgentRoots, operationId: string): string {
  return request.import?.sourceDir ?? defaultStagingDir(roots, operationId);
}

export const stagingDir = (root: string, keyspace: string, table: string) => joinIdentifiers(root, keyspace, table);

/** Where IMPORT keeps what a table's load must achieve (outside the directories Cassandra reads). */
export const expectationFile = (root: string, keyspace: string, table: string) => {
  joinIdentifiers(root, keyspace, table); // both must be identifiers before they become a file name
  return join(root, '.daedalus', 'expected', `${keyspace}.${table}.json`);
};
