import { CassandraNode } from '../cassandra/cassandra-node';
import { OperationRejectedError } from './executor';

/**
 * Refuses to start when the node's OperationMode is one of `refused`, naming the mode: Cassandra itself
 * would answer a second drain with a silent no-op and a second decommission with a puzzling message.
 */
export async function refuseModes(node: CassandraNode, operation: string, refused: readonly string[]): Promise<string> {
  const mode = await node.operationMode();
  if (refused.includes(mode)) {
    const already = mode === 'DRAINED' || mode === 'DECOMMISSIONED' ? 'already ' : '';
    throw new OperationRejectedError(`cannot ${operation}: the node is ${already}${mode}`);
  }
  return mode;
}
