import { CassandraNode } from '../cassandra/cassandra-node';
import { OperationRejectedError } from './executor';

/**
 * Names must exist on the node: a clear rejection beats Cassandra's generic JMX exception. The gateway
 * checks the same against the registered schema, but the schema may change between the two.
 * Returns the tables the operation covers: those named, or every table of the keyspace when none are.
 */
export async function requireTables(node: CassandraNode, keyspace: string, tables: string[] = []): Promise<string[]> {
  const keyspaces = await node.keyspaces();
  if (!keyspaces.includes(keyspace)) throw new OperationRejectedError(`keyspace ${keyspace} does not exist`);
  const known = await node.tables(keyspace);
  if (tables.length === 0) return known;
  const present = new Set(known);
  const missing = tables.filter((t) => !present.has(t));
  if (missing.length > 0) throw new OperationRejectedError(`table(s) ${missing.join(', ')} do not exist in keyspace ${keyspace}`);
  return tables;
}
