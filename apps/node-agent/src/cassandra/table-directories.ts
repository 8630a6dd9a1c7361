import { basename, join } from 'node:path';
import { NodeRegistration } from '@daedalus/contracts';
import { parseTableDir } from './sstable-names';
import { mapConcurrent } from '@daedalus/common';
import { CassandraNode, SchemaView } from './cassandra-node';

/** JMX reads of DataPaths at once while the registration learns the tables' ids. */
const ID_READS_AT_ONCE = 8;

export const tableKey = (keyspace: string, table: string) => `${keyspace}.${table}`;

/** The table id (32 hex) of a table's live directories, which are all named `<table>-<id>`. */
export function tableIdFromDataPaths(table: string, dataPaths: string[]): string {
  const ids = new Set(
    dataPaths.map((path) => parseTableDir(basename(path))).map((parsed) => (parsed?.table === table ? parsed.tableId : undefined)),
  );
  const [id] = ids;
  if (ids.size !== 1 || id === undefined)
    throw new Error(`DataPaths of ${table} are not directories of one table: ${dataPaths.join(', ')}`);
  return id;
}

/**
 * Every table's live id by "keyspace.table", read from the node's DataPaths; ids in `known` are kept as they
 * are. A table dropped between the schema read and its DataPaths read is left out (the next read settles it).
 */
export async function readTableIds(
  node: CassandraNode,
  schema: SchemaView,
  known: Record<string, string>,
): Promise<Record<string, string>> {
  const tables = Object.entries(schema).flatMap(([keyspace, names]) => names.map((table) => ({ keyspace, table })));
  const ids = await mapConcurrent(tables, ID_READS_AT_ONCE, undefined, async ({ keyspace, table }) => {
    const key = tableKey(keyspace, table);
    if (known[key]) return [key, known[key]] as const;
    try {
      return [key, tableIdFromDataPaths(table, await node.tableDataPaths(keyspace, table))] as const;
    } catch {
      return undefined;
    }
  });
  return Object.fromEntries(ids.filter((entry) => entry !== undefined));
}

/**
 * Where a table lives while Cassandra is stopped: its directory in every data directory, under the id the
 * agent last read from the node. Undefined when the node did not have the table then.
 */
export function registeredTableDirs(registration: NodeRegistration, keyspace: string, table: string): string[] | undefined {
  const id = registration.tableIds?.[tableKey(keyspace, table)];
  return id === undefined ? undefined : registration.dataDirectories.map((dataDir) => join(dataDir, keyspace, `${table}-${id}`));
}
