import { RefreshRequest } from '@daedalus/contracts';
import { CassandraNode } from '../cassandra/cassandra-node';
import { ExecutionContext, OperationExecutor } from './executor';
import { requireTables } from './keyspace-guard';
import { OperationExecutorFor } from './executor-discovery';

/**
 * Icarus's refresh: StorageService `loadNewSSTables(keyspace, table)` picks up SSTables dropped into the
 * table's own directories. Deprecated in favour of import, but present in 4.0, 4.1 and 5.0.
 */
@OperationExecutorFor('refresh')
export class RefreshExecutor implements OperationExecutor<RefreshRequest> {
  readonly type = 'refresh' as const;
  readonly cancellable = false;

  constructor(private readonly node: CassandraNode) {}

  async execute(request: RefreshRequest, context: ExecutionContext): Promise<undefined> {
    await requireTables(this.node, request.keyspace, [request.table]);
    await context.progress(0.1, `loading new SSTables into ${request.keyspace}.${request.table}`);
    await this.node.loadNewSSTables(request.keyspace, request.table);
    return undefined;
  }
}
