import { NodeRegistration, RESTORE_PLAN_LISTED_FILES, RestorePlanResult, restoreProtocol, RestoreRequest } from '@daedalus/contracts';
import { StorageBackend, StorageLocation } from '@daedalus/storage';
import { CassandraNode } from '../../cassandra/cassandra-node';
import { FileSystem } from '../../adapters/filesystem';
import { downloadPath, freeSpaceProblem, planDownload } from '../../repository/downloader';
import { ClientEncryption } from '../../repository/encryption';
import { registeredRoots } from '../../paths/agent-roots';
import { OperationRejectedError } from '../executor';
import { requireTargets, RestoreTable, restoreTables, stagingDir, stagingRoot, tableId } from './restore-scope';
import { resolveRestoreSource } from './restore-source';

export interface RestorePlanInputs {
  backend: StorageBackend;
  request: RestoreRequest;
  operationId: string;
  cluster: string;
  location: StorageLocation;
  me: NodeRegistration;
  node: CassandraNode;
  encryption: ClientEncryption;
  reserveBytes: number;
  fs: FileSystem;
  /** files listed one by one (default RESTORE_PLAN_LISTED_FILES; a spec lowers it) */
  listedFiles?: number;
}

/**
 * A dry run's PLAN on this node: INIT's checks and DOWNLOAD's planning, read-only — the store is only read,
 * nothing is created on disk (a staging directory not made yet counts on its nearest existing ancestor's
 * filesystem), Cassandra is only asked (mode, schema). Every problem the real restore's INIT or DOWNLOAD would
 * stop at is collected, not only the first; if there is any, the phase fails naming them all.
 */
export async function planRestore(inputs: RestorePlanInputs): Promise<RestorePlanResult> {
  const { backend, request, me, node } = inputs;
  const problems: string[] = [];
  const check = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof OperationRejectedError)) throw error; // a broken store or JMX is not a finding
      problems.push(error.message);
      return undefined;
    }
  };
  const fail = (): never => {
    throw new OperationRejectedError(`dry run: the restore would fail on this node: ${problems.join('; ')}`);
  };

  const mode = await node.operationMode();
  if (mode !== 'NORMAL') problems.push(`the node is ${mode}, not NORMAL`);
  const source = await check(() =>
    resolveRestoreSource(backend, inputs.cluster, inputs.location, request.snapshotTag, me, request.resolveHostIdFromTopology ?? false),
  );
  if (!source) return fail(); // nothing to plan from
  if (request.exactSchemaVersion && request.schemaVersion && source.manifest.cassandraSchemaVersion !== request.schemaVersion) {
    problems.push(
      `backup ${source.backup.name} has schema version ${source.manifest.cassandraSchemaVersion}, not ${request.schemaVersion}`,
    );
  }
  await check(async () => inputs.encryption.requireKeyFor(source.manifest, `backup ${source.backup.name}`));
  const tables = await check(async () => restoreTables(source.manifest, request));
  if (!tables) return fail();
  await check(() => requireTargets(node, tables));

  const root = stagingRoot(request, registeredRoots(me), inputs.operationId);
  const items = tables.flatMap((t) =>
    t.files.map((file) => ({ table: t, file, path: downloadPath(stagingDir(root, t.keyspace, t.target), file) })),
  );
  const planned = await planDownload(inputs.fs, items);
  for (const need of planned.filesystems) {
    const problem = freeSpaceProblem(need, inputs.reserveBytes);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) return fail();

  const missing = planned.missing as typeof items;
  const listed = inputs.listedFiles ?? RESTORE_PLAN_LISTED_FILES;
  return {
    backupName: source.backup.name,
    sourceHostId: source.manifest.hostId,
    schemaVersion: await node.schemaVersion(),
    strategy: request.restorationStrategyType === 'HARDLINKS' ? 'HARDLINKS' : 'IMPORT',
    tables: tables.map((t) => ({ keyspace: t.keyspace, source: t.source, target: t.target, bytes: t.bytes, files: t.files.length })),
    // the tables the real request's TRUNCATE would empty (a node-local request naming one phase has none)
    truncated: restoreProtocol.sequence(Object.assign(new RestoreRequest(), request, { dryRun: false })).includes('TRUNCATE')
      ? [...new Set(tables.map((t) => tableId(t.keyspace, t.target)))].sort()
      : [],
    staging: root,
    download: {
      files: items.length,
      bytes: sumBytes(items),
      fetchFiles: missing.length,
      fetchBytes: sumBytes(missing),
      list: missing.slice(0, listed).map((item) => ({ table: label(item.table), name: item.file.name, bytes: item.file.size })),
      listTruncated: missing.length > listed,
    },
    filesystems: planned.filesystems.map((need) => ({
      path: need.dir,
      freeBytes: need.freeBytes,
      downloadBytes: need.downloadBytes,
      freeAfterBytes: need.freeBytes - need.downloadBytes,
      reserveBytes: inputs.reserveBytes,
    })),
  };
}

const sumBytes = (items: Array<{ file: { size: number } }>) => items.reduce((sum, item) => sum + item.file.size, 0);

const label = (t: RestoreTable) =>
  t.source === t.target ? tableId(t.keyspace, t.target) : `${tableId(t.keyspace, t.source)} → ${t.target}`;
