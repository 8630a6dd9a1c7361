import { CleanupRequest } from '@daedalus/contracts';
import { CassandraNode } from '../cassandra/cassandra-node';
import { runCompactionOperation } from './compaction-progress';
import { ExecutionContext, ExecutorSettings, OperationExecutor } from './executor';
import { requireTables } from './keyspace-guard';

/** `forceKeyspaceCleanup(jobs, keyspace, tables...)`: drops the rows this node no longer replicates. */
export class CleanupExecutor implements OperationExecutor<CleanupRequest> {
  readonly type = 'cleanup' as const;

  constructor(
    private readonly node: CassandraNode,
    private readonly settings: ExecutorSettings,
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
