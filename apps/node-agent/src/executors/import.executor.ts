import { stat } from 'node:fs/promises';
import { ImportRequest } from '@daedalus/contracts';
import { CassandraNode, ImportOptions } from '../cassandra/cassandra-node';
import { ExecutionContext, OperationExecutor, OperationRejectedError } from './executor';
import { requireTables } from './keyspace-guard';

/**
 * Icarus's flags say what to skip; Cassandra's say what to do. `quick` is nodetool import's --quick: no
 * verification of SSTables or tokens and no cache invalidation.
 */
export function importOptions(request: ImportRequest): ImportOptions {
  const quick = request.quick ?? false;
  return {
    resetLevel: !(request.keepLevel ?? false),
    clearRepaired: !(request.keepRepaired ?? false),
    verifySSTables: !quick && !(request.noVerify ?? false),
    verifyTokens: !quick && !(request.noVerifyTokens ?? false),
    invalidateCaches: !quick && !(request.noInvalidateCaches ?? false),
    extendedVerify: !quick && (request.extendedVerify ?? false),
    copyData: request.copyData ?? false,
  };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** `importNewSSTables` on the table's MBean; every directory Cassandra reports back failed to import. */
export class ImportExecutor implements OperationExecutor<ImportRequest> {
  readonly type = 'import' as const;
  readonly cancellable = false;

  constructor(private readonly node: CassandraNode) {}

  async execute(request: ImportRequest, context: ExecutionContext): Promise<{ sourceDir: string }> {
    const directory = request.sourceDir ?? request.tablePath;
    if (!directory) throw new OperationRejectedError('import needs sourceDir: the directory holding the SSTables to import');
    await requireTables(this.node, request.keyspace, [request.table]);
    if (!(await isDirectory(directory))) throw new OperationRejectedError(`sourceDir ${directory} is not a directory on this node`);
    await context.progress(0.1, `importing SSTables from ${directory} into ${request.keyspace}.${request.table}`);
    const failed = await this.node.importNewSSTables(request.keyspace, request.table, [directory], importOptions(request));
    if (failed.length > 0) {
      throw new OperationRejectedError(
        `Cassandra could not import the SSTables of ${failed.join(', ')} into ${request.keyspace}.${request.table} ` +
          '(verification or loading failed; the files were left where they are)',
      );
    }
    return { sourceDir: directory };
  }
}
