import { RebuildRequest } from '@daedalus/contracts';
import { CassandraNode, RebuildOptions } from '../cassandra/cassandra-node';
import { ExecutionContext, OperationExecutor } from './executor';
import { requireTables } from './keyspace-guard';
import { OperationExecutorFor } from './executor-discovery';

/** Icarus's fields in Cassandra's rebuild form: ranges as "(start,end],(start,end]", sources comma-separated. */
export function rebuildOptions(request: RebuildRequest): RebuildOptions {
  const ranges = request.specificTokens ?? [];
  const sources = request.specificSources ?? [];
  return {
    sourceDc: request.sourceDC,
    keyspace: request.keyspace,
    tokens: ranges.length > 0 ? ranges.map((r) => `(${r.start},${r.end}]`).join(',') : undefined,
    specificSources: sources.length > 0 ? sources.join(',') : undefined,
  };
}

/**
 * Streams this node's ranges from other replicas. Cassandra reports rebuild progress through streaming
 * (not CompactionManager) and offers no way to stop it, so this reports its phase only and is not cancellable.
 */
@OperationExecutorFor('rebuild')
export class RebuildExecutor implements OperationExecutor<RebuildRequest> {
  readonly type = 'rebuild' as const;
  readonly cancellable = false;

  constructor(private readonly node: CassandraNode) {}

  async execute(request: RebuildRequest, context: ExecutionContext): Promise<undefined> {
    if (request.keyspace) await requireTables(this.node, request.keyspace);
    const from = request.sourceDC ? ` from dc ${request.sourceDC}` : '';
    await context.progress(0.05, `rebuilding ${request.keyspace ?? 'all keyspaces'}${from}`, 'STREAMING');
    await this.node.rebuild(rebuildOptions(request));
    return undefined;
  }
}
