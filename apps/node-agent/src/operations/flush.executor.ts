import { FlushRequest } from '@daedalus/contracts';
import { CassandraNode } from '../cassandra/cassandra-node';
import { ExecutionContext, OperationExecutor } from './executor';
import { requireTables } from './keyspace-guard';
import { OperationExecutorFor } from './executor-discovery';

@OperationExecutorFor('flush')
export class FlushExecutor implements OperationExecutor<FlushRequest> {
  readonly type = 'flush' as const;
  /** Cassandra has no way to stop a flush; it is short anyway */
  readonly cancellable = false;

  constructor(private readonly node: CassandraNode) {}

  async execute(request: FlushRequest, context: ExecutionContext): Promise<undefined> {
    await requireTables(this.node, request.keyspace, request.tables);
    await context.progress(0.1, `flushing ${request.keyspace}`);
    await this.node.flush(request.keyspace, request.tables ?? []);
    return undefined;
  }
}
