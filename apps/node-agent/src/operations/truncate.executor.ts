import { TruncateRequest } from '@daedalus/contracts';
import { CassandraNode } from '../cassandra/cassandra-node';
import { ExecutionContext, OperationExecutor, OperationRejectedError } from './executor';
import { requireTables } from './keyspace-guard';
import { Inject } from '@nestjs/common';
import { OperationExecutorFor, TRUNCATE_ENABLED } from './executor-discovery';

export const TRUNCATE_DISABLED_MESSAGE = 'truncate is not enabled on this node agent (start it with --enable-truncate)';

/**
 * Cluster-wide truncate of one table (Cassandra needs every node up). Like Icarus, only when the agent was
 * started with --enable-truncate: it deletes data, so it is opt-in per node.
 */
@OperationExecutorFor('truncate')
export class TruncateExecutor implements OperationExecutor<TruncateRequest> {
  readonly type = 'truncate' as const;
  readonly cancellable = false;

  constructor(
    private readonly node: CassandraNode,
    @Inject(TRUNCATE_ENABLED) private readonly enabled: boolean,
  ) {}

  async execute(request: TruncateRequest, context: ExecutionContext): Promise<undefined> {
    if (!this.enabled) throw new OperationRejectedError(TRUNCATE_DISABLED_MESSAGE);
    await requireTables(this.node, request.keyspace, [request.table]);
    await context.progress(0.1, `truncating ${request.keyspace}.${request.table} on every node`);
    await this.node.truncate(request.keyspace, request.table);
    return undefined;
  }
}
