import { DecommissionRequest } from '@daedalus/contracts';
import { CassandraNode } from '../cassandra/cassandra-node';
import { ExecutionContext, ExecutorSettings, OperationExecutor } from './executor';
import { refuseModes } from './mode-guard';
import { watchWhileRunning } from './watch';
import { Inject } from '@nestjs/common';
import { OperationExecutorFor, EXECUTOR_SETTINGS } from './executor-discovery';

/**
 * Leaves the ring, streaming this node's data to the remaining replicas. Progress is the node's mode
 * (LEAVING while streaming): Cassandra reports no fraction for it and offers no way to stop it.
 */
@OperationExecutorFor('decommission')
export class DecommissionExecutor implements OperationExecutor<DecommissionRequest> {
  readonly type = 'decommission' as const;
  readonly cancellable = false;

  constructor(
    private readonly node: CassandraNode,
    @Inject(EXECUTOR_SETTINGS) private readonly settings: ExecutorSettings,
  ) {}

  async execute(request: DecommissionRequest, context: ExecutionContext): Promise<{ operationMode: string }> {
    await refuseModes(this.node, 'decommission', ['DECOMMISSIONED', 'DRAINING', 'DRAINED', 'LEAVING']);
    await context.progress(0.05, 'decommissioning', 'STARTING');
    let phase = '';
    await watchWhileRunning(this.node.decommission(request.force ?? false), {
      intervalMs: this.settings.progressIntervalMs,
      signal: context.signal,
      poll: async () => {
        const mode = await this.node.operationMode();
        if (mode !== phase && mode === 'LEAVING') {
          phase = mode;
          await context.progress(0.3, 'streaming data to the remaining replicas', mode);
        }
      },
    });
    return { operationMode: await this.node.operationMode() };
  }
}
