import { DrainRequest } from '@daedalus/contracts';
import { CassandraNode } from '../cassandra/cassandra-node';
import { ExecutionContext, OperationExecutor } from './executor';
import { refuseModes } from './mode-guard';
import { OperationExecutorFor } from './executor-discovery';

/** Flushes everything and stops the node accepting writes (OperationMode DRAINED). Cannot be undone or stopped. */
@OperationExecutorFor('drain')
export class DrainExecutor implements OperationExecutor<DrainRequest> {
  readonly type = 'drain' as const;
  readonly cancellable = false;

  constructor(private readonly node: CassandraNode) {}

  async execute(_request: DrainRequest, context: ExecutionContext): Promise<{ operationMode: string }> {
    await refuseModes(this.node, 'drain', ['DRAINING', 'DRAINED', 'DECOMMISSIONED']);
    await context.progress(0.1, 'draining', 'DRAINING');
    await this.node.drain();
    return { operationMode: await this.node.operationMode() };
  }
}
