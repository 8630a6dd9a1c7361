import { basename, dirname, join } from 'node:path';
import { Inject } from '@nestjs/common';
import { ImportRequest } from '@daedalus/contracts';
import { errorCode, localFileSystem as fs } from '../adapters/filesystem';
import { dataWalker } from '../cassandra/data-directories';
import { CassandraNode, ImportOptions } from '../cassandra/cassandra-node';
import { expectedFingerprints, notYetLive, proveLoaded } from './restore/load-proof';
import { ExecutionContext, OperationExecutor, OperationRejectedError } from './executor';
import { requireTables } from './keyspace-guard';
import { OperationExecutorFor, IMPORT_WORK_ROOT, LOCAL_HOST_ID } from './executor-discovery';

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
  return (await fs.stat(path).catch(() => undefined))?.isDirectory ?? false;
}

/** SSTable component files directly in `dir`, sorted. */
async function componentNames(dir: string): Promise<string[]> {
  return (await dataWalker.components(dir)).map((file) => file.name);
}

/** Hard links of `names` from `from` into `to` (same filesystem: `to` is inside `from`); links already there stay. */
async function linkInto(from: string, to: string, names: string[]): Promise<void> {
  await fs.makeDirectory(to);
  for (const name of names) {
    try {
      await fs.link(join(from, name), join(to, name));
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
  }
}

async function removeStaging(directory: string, staging: string): Promise<void> {
  await fs.remove(staging);
  await fs.removeEmptyDirectory(join(directory, '.daedalus-import')).catch(() => false); // another import may still use it
}

/**
 * `importNewSSTables` on the table's MBean, with its effect proven: afterwards the source's SSTables must be
 * live in the table. Cassandra 5.0 only imports from a directory shaped `…/<keyspace>/<table>/` (and returns
 * an empty failure list when it found nothing), so a source shaped otherwise is staged first as hard links
 * under `<sourceDir>/.daedalus-import/<operation>.<host id>/<keyspace>/<table>/` (same filesystem, no copy).
 */
@OperationExecutorFor('import')
export class ImportExecutor implements OperationExecutor<ImportRequest> {
  readonly type = 'import' as const;
  readonly cancellable = false;

  /**
   * `workRoot`: where the agent keeps what each import must achieve (beside the data directories); `hostId`
   * keeps the staging of nodes that import one shared directory (a global import) apart.
   */
  constructor(
    private readonly node: CassandraNode,
    @Inject(IMPORT_WORK_ROOT) private readonly workRoot: () => string,
    @Inject(LOCAL_HOST_ID) private readonly hostId: () => string,
  ) {}

  async execute(request: ImportRequest, context: ExecutionContext): Promise<{ sourceDir: string; sstables: number; stagedIn?: string }> {
    const directory = request.sourceDir ?? request.tablePath;
    if (!directory) throw new OperationRejectedError('import needs sourceDir: the directory holding the SSTables to import');
    const { keyspace, table } = request;
    await requireTables(this.node, keyspace, [table]);
    if (!(await isDirectory(directory))) throw new OperationRejectedError(`sourceDir ${directory} is not a directory on this node`);
    const shaped = basename(directory) === table && basename(dirname(directory)) === keyspace;
    const staging = join(directory, '.daedalus-import', `${context.operationId}.${this.hostId()}`);
    const loadDir = shaped ? directory : join(staging, keyspace, table);
    const names = await componentNames(directory);
    if (!shaped) await linkInto(directory, loadDir, names);
    const record = join(this.workRoot(), context.operationId, `${keyspace}.${table}.json`);
    const { expected, earlierAttempt } = await expectedFingerprints(loadDir, record);
    if (expected.length === 0)
      throw new OperationRejectedError(`sourceDir ${directory} holds no SSTables (no *-Data.db files) to import into ${keyspace}.${table}`);

    // an agent restarted during this import finds what Cassandra already took and does not load it twice
    if (!earlierAttempt || (await notYetLive(this.node, keyspace, table, expected)).length > 0) {
      await context.progress(0.1, `importing ${expected.length} SSTable(s) from ${directory} into ${keyspace}.${table}`);
      const liveBefore = await this.node.liveSSTableCount(keyspace, table);
      const failed = await this.node.importNewSSTables(keyspace, table, [loadDir], importOptions(request));
      if (failed.length > 0) {
        if (!shaped) await removeStaging(directory, staging);
        throw new OperationRejectedError(
          `Cassandra could not import the SSTables of ${failed.join(', ')} into ${keyspace}.${table} ` +
            `(verification or loading failed; the files were left in ${directory})`,
        );
      }
      const problem = await proveLoaded(this.node, keyspace, table, expected, liveBefore);
      if (problem)
        throw new OperationRejectedError(
          `import into ${keyspace}.${table} had no effect: ${problem}. The SSTables are still in ${loadDir}`,
        );
    }
    if (!shaped) {
      // Cassandra moved (or, with copyData, copied) the staged links; the source keeps or loses its files as a direct import would
      if (!(request.copyData ?? false)) for (const name of names) await fs.remove(join(directory, name));
      await removeStaging(directory, staging);
    }
    await fs.remove(join(this.workRoot(), context.operationId));
    return { sourceDir: directory, sstables: expected.length, ...(shaped ? {} : { stagedIn: loadDir }) };
  }
}
