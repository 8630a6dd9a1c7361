import { TruncateProtocol, truncateProtocol } from '@daedalus/contracts';
import { CassandraNode } from '../cassandra/cassandra-node';
import { OperationRejectedError } from './executor';
import { requireTables } from './keyspace-guard';
import { Inject } from '@nestjs/common';
import { OperationExecutorFor, TRUNCATE_ENABLED } from './executor-discovery';
import { PhasedExecutor, PhaseHandlers } from './phased-executor';

export const TRUNCATE_DISABLED_MESSAGE = 'truncate is not enabled on this node agent (start it with --enable-truncate)';

/**
 * Cluster-wide truncate of one table (Cassandra needs every node up). Like Icarus, only when the agent was
 * started with --enable-truncate: it deletes data, so it is opt-in per node. Cassandra cannot stop a truncate,
 * so a cancel lets it finish (the protocol's `cancelDuring`).
 */
@OperationExecutorFor('truncate')
export class TruncateExecutor extends PhasedExecutor<TruncateProtocol> {
  protected readonly protocol = truncateProtocol;
  protected readonly phases: PhaseHandlers<TruncateProtocol> = {
    TRUNCATE: async (request, context) => {
      if (!this.enabled) throw new OperationRejectedError(TRUNCATE_DISABLED_MESSAGE);
      await requireTables(this.node, request.keyspace, [request.table]);
      await context.progress(0.1, `truncating ${request.keyspace}.${request.table} on every node`);
      await this.node.truncate(request.keyspace, request.table);
      return undefined;
    },
  };

  constructor(
    private readonly node: CassandraNode,
    @Inject(TRUNCATE_ENABLED) private readonly enabled: boolean,
  ) {
    super();
  }
}
