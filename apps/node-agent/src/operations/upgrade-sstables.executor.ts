import { UpgradeSSTablesRequest } from '@daedalus/contracts';
import { CassandraNode } from '../cassandra/cassandra-node';
import { runCompactionOperation } from './compaction-progress';
import { ExecutionContext, ExecutorSettings, OperationExecutor } from './executor';
import { requireTables } from './keyspace-guard';
import { Inject } from '@nestjs/common';
import { OperationExecutorFor, EXECUTOR_SETTINGS } from './executor-discovery';

/** Rewrites SSTables in the node's current format; all of them when `includeAllSStables`. */
@OperationExecutorFor('upgradesstables')
export class UpgradeSSTablesExecutor implements OperationExecutor<UpgradeSSTablesRequest> {
  readonly type = 'upgradesstables' as const;

  constructor(
    private readonly node: CassandraNode,
    @Inject(EXECUTOR_SETTINGS) private readonly settings: ExecutorSettings,
  ) {}

  async execute(request: UpgradeSSTablesRequest, context: ExecutionContext): Promise<undefined> {
    const tables = await requireTables(this.node, request.keyspace, request.tables);
    if (context.signal.aborted) return undefined;
    const options = { excludeCurrentVersion: !(request.includeAllSStables ?? false), jobs: request.jobs ?? 0 };
    await runCompactionOperation(
      {
        node: this.node,
        kind: 'UPGRADE_SSTABLES',
        keyspace: request.keyspace,
        tables,
        context,
        pollIntervalMs: this.settings.progressIntervalMs,
      },
      () => this.node.upgradeSSTables(request.keyspace, request.tables ?? [], options),
    );
    return undefined;
  }
}
