import { CleanupRequest } from '@daedalus/contracts';
import { CassandraNode } from '../cassandra/cassandra-node';
import { runCompactionOperation } from './compaction-progress';
import { ExecutionContext, ExecutorSettings, OperationExecutor } from './executor';
import { requireTables } from './keyspace-guard';
import { Inject } from '@nestjs/common';
import { OperationExecutorFor, EXECUTOR_SETTINGS } from './executor-discovery';

/** `forceKeyspaceCleanup(jobs, keyspace, tables...)`: drops the rows this node no longer replicates. */
@OperationExecutorFor('cleanup')
export class CleanupExecutor implements OperationExecutor<CleanupRequest> {
  readonly type = 'cleanup' as const;

  constructor(
    private readonly node: CassandraNode,
    @Inject(EXECUTOR_SETTINGS) private readonly settings: ExecutorSettings,
  ) {}

  async execute(request: CleanupRequest, context: ExecutionContext): Promise<undefined> {
    const tables = await requireTables(this.node, request.keyspace, request.tables);
    if (context.signal.aborted) return undefined;
    await runCompactionOperation(
      { node: this.node, kind: 'CLEANUP', keyspace: request.keyspace, tables, context, pollIntervalMs: this.settings.progressIntervalMs },
      // jobs 0 = all compaction threads, Icarus's default
      () => this.node.cleanup(request.keyspace, request.tables ?? [], request.jobs ?? 0),
    );
    return undefined;
  }
}
