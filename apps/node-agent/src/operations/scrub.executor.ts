import { ScrubRequest } from '@daedalus/contracts';
import { CassandraNode } from '../cassandra/cassandra-node';
import { runCompactionOperation } from './compaction-progress';
import { ExecutionContext, ExecutorSettings, OperationExecutor } from './executor';
import { requireTables } from './keyspace-guard';
import { Inject } from '@nestjs/common';
import { OperationExecutorFor, EXECUTOR_SETTINGS } from './executor-discovery';

/** `scrub(disableSnapshot, skipCorrupted, checkData, reinsertOverflowedTTL, jobs, keyspace, tables...)` */
@OperationExecutorFor('scrub')
export class ScrubExecutor implements OperationExecutor<ScrubRequest> {
  readonly type = 'scrub' as const;

  constructor(
    private readonly node: CassandraNode,
    @Inject(EXECUTOR_SETTINGS) private readonly settings: ExecutorSettings,
  ) {}

  async execute(request: ScrubRequest, context: ExecutionContext): Promise<undefined> {
    const tables = await requireTables(this.node, request.keyspace, request.tables);
    if (context.signal.aborted) return undefined;
    const options = {
      disableSnapshot: request.disableSnapshot ?? false,
      skipCorrupted: request.skipCorrupted ?? false,
      checkData: !(request.noValidate ?? false),
      reinsertOverflowedTTL: request.reinsertOverflowedTTL ?? false,
      jobs: request.jobs ?? 0,
    };
    await runCompactionOperation(
      { node: this.node, kind: 'SCRUB', keyspace: request.keyspace, tables, context, pollIntervalMs: this.settings.progressIntervalMs },
      () => this.node.scrub(request.keyspace, request.tables ?? [], options),
    );
    return undefined;
  }
}
