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
import { InPlaceTarget, nodeIsDown, strayFiles, targetDirs } from './in-place';
import { CassandraLayout, cassandraYamlPath, readCassandraLayout } from '../../cassandra/cassandra-yaml';
import { errorMessage } from '@daedalus/common';

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
  /** IN_PLACE: where cassandra.yaml is (the commit log, hints and saved caches it names are set aside) */
  inPlace?: InPlacePlanSettings;
}

/**
 * A dry run's PLAN on this node: INIT's checks and DOWNLOAD's planning (or IN_PLACE's, Cassandra stopped),
 * read-only — the store is only read, nothing is created, removed or moved on disk (a staging directory not made
 * yet counts on its nearest existing ancestor's filesystem), Cassandra is only asked (mode, schema). Every
 * problem the real restore would stop at before changing anything is collected, not only the first; if there is
 * any, the phase fails naming them all.
 */
export async function planRestore(inputs: RestorePlanInputs): Promise<RestorePlanResult> {
  const { backend, request, me, node } = inputs;
  const inPlace = request.restorationStrategyType === 'IN_PLACE';
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

  if (inPlace) {
    if (!(await nodeIsDown(node))) problems.push('the node answers over JMX: an IN_PLACE restore needs Cassandra stopped');
  } else {
    const mode = await node.operationMode();
    if (mode !== 'NORMAL') problems.push(`the node is ${mode}, not NORMAL`);
  }
  const source = await check(() =>
    resolveRestoreSource(backend, inputs.cluster, inputs.location, request.snapshotTag, me, request.resolveHostIdFromTopology ?? false),
  );
  if (!source) return fail(); // nothing to plan from
  if (!inPlace && request.exactSchemaVersion && request.schemaVersion && source.manifest.cassandraSchemaVersion !== request.schemaVersion) {
    problems.push(
      `backup ${source.backup.name} has schema version ${source.manifest.cassandraSchemaVersion}, not ${request.schemaVersion}`,
    );
  }
  await check(async () => inputs.encryption.requireKeyFor(source.manifest, `backup ${source.backup.name}`));
  const tables = await check(async () => restoreTables(source.manifest, request));
  if (!tables) return fail();

  // where each table's files go: the staging directory, or (IN_PLACE) the table's first live directory
  const root = inPlace ? null : stagingRoot(request, registeredRoots(me), inputs.operationId);
  const targets: InPlaceTarget[] = [];
  if (inPlace) {
    for (const table of tables) {
      const backedUp = source.manifest.tables.find((t) => t.keyspace === table.keyspace && t.table === table.source);
      const dirs = await check(() => targetDirs(me, table, backedUp));
      if (dirs) targets.push({ table, dirs });
    }
  } else {
    await check(() => requireTargets(node, tables));
  }
  const layout = inPlace && inputs.inPlace ? await check(() => readLayout(inputs.inPlace as InPlacePlanSettings, request)) : undefined;

  const items = inPlace
    ? targets.flatMap((t) => t.table.files.map((file) => ({ table: t.table, file, path: downloadPath(t.dirs[0], file) })))
    : tables.flatMap((t) =>
        t.files.map((file) => ({ table: t, file, path: downloadPath(stagingDir(root as string, t.keyspace, t.target), file) })),
      );
  // (a table whose directories were refused above is left out: its problem is reported already)
  // IN_PLACE re-hashes files already under a backup file's name, as the real run does (a reused generation)
  const planned = await planDownload(inputs.fs, items, inPlace);
  const strays = await strayFilesOf(inputs.fs, targets);
  const freedOn = (device: number) => strays.filter((f) => f.device === device).reduce((sum, f) => sum + f.size, 0);
  for (const need of planned.filesystems) {
    const problem = freeSpaceProblem(need, inputs.reserveBytes, freedOn(need.device));
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) return fail();

  const missing = planned.missing as typeof items;
  const listed = inputs.listedFiles ?? RESTORE_PLAN_LISTED_FILES;
  return {
    backupName: source.backup.name,
    sourceHostId: source.manifest.hostId,
    schemaVersion: inPlace ? null : await node.schemaVersion(),
    strategy: inPlace ? 'IN_PLACE' : request.restorationStrategyType === 'HARDLINKS' ? 'HARDLINKS' : 'IMPORT',
    tables: tables.map((t) => ({ keyspace: t.keyspace, source: t.source, target: t.target, bytes: t.bytes, files: t.files.length })),
    // the tables the real request's TRUNCATE would empty (a node-local request naming one phase, or IN_PLACE, has none)
    truncated: restoreProtocol.sequence(Object.assign(new RestoreRequest(), request, { dryRun: false })).includes('TRUNCATE')
      ? targetIds(tables)
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
      removeBytes: freedOn(need.device),
      freeAfterBytes: need.freeBytes + freedOn(need.device) - need.downloadBytes,
      reserveBytes: inputs.reserveBytes,
    })),
    ...(inPlace
      ? {
          inPlace: {
            replaced: targetIds(tables),
            removeFiles: strays.length,
            removeBytes: strays.reduce((sum, f) => sum + f.size, 0),
            removeList: strays.slice(0, listed).map((f) => f.path),
            removeListTruncated: strays.length > listed,
            setAside: layout
              ? [layout.commitLogDirectory, layout.hintsDirectory, layout.savedCachesDirectory].filter((d) => d !== undefined)
              : [],
            cassandraYaml: request.updateCassandraYaml && inputs.inPlace ? cassandraYamlPath(configDirOf(inputs.inPlace, request)) : null,
          },
        }
      : {}),
  };
}

/** What an IN_PLACE plan reads from the agent's settings: where cassandra.yaml is, and $CASSANDRA_HOME. */
export interface InPlacePlanSettings {
  configDir: string;
  cassandraHome?: string;
}

const configDirOf = (settings: InPlacePlanSettings, request: RestoreRequest) => request.cassandraConfigDirectory ?? settings.configDir;

/** cassandra.yaml's directories, as IN_PLACE reads them (a file it cannot read is a finding, as in the real run). */
async function readLayout(settings: InPlacePlanSettings, request: RestoreRequest): Promise<CassandraLayout> {
  const configDir = configDirOf(settings, request);
  try {
    return await readCassandraLayout(configDir, settings.cassandraHome);
  } catch (error) {
    throw new OperationRejectedError(`cannot read ${cassandraYamlPath(configDir)}: ${errorMessage(error)}`);
  }
}

/** The files IN_PLACE would remove first, with their size and filesystem. */
async function strayFilesOf(fs: FileSystem, targets: InPlaceTarget[]): Promise<Array<{ path: string; size: number; device: number }>> {
  const out: Array<{ path: string; size: number; device: number }> = [];
  for (const target of targets) {
    for (const path of await strayFiles(target)) {
      const info = await fs.stat(path);
      if (info) out.push({ path, size: info.size, device: info.device });
    }
  }
  return out;
}

const targetIds = (tables: RestoreTable[]) => [...new Set(tables.map((t) => tableId(t.keyspace, t.target)))].sort();

const sumBytes = (items: Array<{ file: { size: number } }>) => items.reduce((sum, item) => sum + item.file.size, 0);

const label = (t: RestoreTable) =>
  t.source === t.target ? tableId(t.keyspace, t.target) : `${tableId(t.keyspace, t.source)} → ${t.target}`;
