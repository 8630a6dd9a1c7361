import { join } from 'node:path';
import { Clock, processMetrics, recordTransfer } from '@daedalus/common';
import { NodeRegistration, RestoreInPlaceResult, RestoreRequest } from '@daedalus/contracts';
import { StorageBackend } from '@daedalus/storage';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { ManifestTable } from '../../repository/manifest';
import { anyStorageLocation } from '../../repository/request-storage';
import { CassandraNode } from '../../cassandra/cassandra-node';
import { InvalidCassandraYamlError, readCassandraLayout, updateCassandraYaml } from '../../cassandra/cassandra-yaml';
import { dataWalker } from '../../cassandra/data-directories';
import { registeredTableDirs } from '../../cassandra/table-directories';
import { parseTableDir } from '../../cassandra/sstable-names';
import { ExecutionContext, OperationRejectedError } from '../executor';
import { downloadFiles, downloadPath, DownloadItem } from '../../repository/downloader';
import { RestoreTable, restoreTables, tableId } from './restore-scope';
import { resolveRestoreSource } from './restore-source';
import { BackupRemovedError, holdBackupForRestore, releaseRestoreLease } from '../../repository/removal-marks';
import { setAside } from '../../cassandra/set-aside';
import { ClientEncryption } from '../../repository/encryption';

export async function nodeIsDown(node: CassandraNode): Promise<boolean> {
  try {
    await node.operationMode();
    return false;
  } catch {
    return true;
  }
}

export interface InPlaceSettings {
  configDir: string;
  cassandraHome?: string;
  reserveBytes: number;
}

/** One table's live directories on the stopped node; downloads go to the first. */
export interface InPlaceTarget {
  table: RestoreTable;
  dirs: string[];
}

/**
 * The live directories of a restored table: under the id the agent last read from the node (a table dropped
 * and created again after the backup has a new id, and its old directory is dead). A table the node did not
 * have (a node rebuilt from scratch) gets the backed-up id. A dropped table's directory is never used.
 */
export async function targetDirs(me: NodeRegistration, table: RestoreTable, backedUp: ManifestTable | undefined): Promise<string[]> {
  const live = registeredTableDirs(me, table.keyspace, table.target);
  const dirs =
    live ?? (backedUp ? me.dataDirectories.map((d) => join(d, table.keyspace, `${table.target}-${backedUp.tableId}`)) : undefined);
  if (!dirs)
    throw new OperationRejectedError(`table ${tableId(table.keyspace, table.target)} is not known to this node and not in the backup`);
  if (!live) await refuseOtherIds(me, table, dirs);
  for (const dir of dirs) {
    if (await dataWalker.isDroppedTableDir(dir)) {
      throw new OperationRejectedError(
        `${dir} belongs to a dropped ${tableId(table.keyspace, table.target)} (it holds dropped-* snapshots): not restoring into it. ` +
          'Create the table again (or start the node once so the agent learns its live id) and retry',
      );
    }
  }
  return dirs;
}

/**
 * The backed-up id is used only for a table the node never had: when the data directories hold the table under
 * another id (not a dropped one), the node had it after all and which directory Cassandra reads is unknown
 * without its live id — refused rather than guessed by name.
 */
async function refuseOtherIds(me: NodeRegistration, table: RestoreTable, chosen: string[]): Promise<void> {
  for (const dataDir of me.dataDirectories) {
    for (const entry of await fs.list(join(dataDir, table.keyspace)).catch(() => [])) {
      const dir = join(dataDir, table.keyspace, entry.name);
      if (!entry.isDirectory || parseTableDir(entry.name)?.table !== table.target || chosen.includes(dir)) continue;
      if (await dataWalker.isDroppedTableDir(dir)) continue;
      throw new OperationRejectedError(
        `${tableId(table.keyspace, table.target)} has a directory ${dir} under another id than the backup's, and this node's live id of ` +
          'the table is not known: name it (the CLI: --table-id keyspace.table=<id>; the agent: start the node once so it reads it)',
      );
    }
  }
}

/** Files in the table's live directories that are not the backup's: removed before, and proven absent after. */
export async function strayFiles(target: InPlaceTarget): Promise<string[]> {
  const wanted = new Set(target.table.files.map((f) => f.name));
  const stray: string[] = [];
  for (const [i, dir] of target.dirs.entries()) {
    // SSTable component files, also of the secondary indexes (`.<index>/<file>`)
    for (const file of await dataWalker.components(dir, { indexes: true })) if (i > 0 || !wanted.has(file.name)) stray.push(file.path);
  }
  return stray;
}

/** The effect, checked on disk: every backup file in place at its size, nothing else left in the live directories. */
async function proveInPlace(targets: InPlaceTarget[]): Promise<void> {
  for (const target of targets) {
    for (const file of target.table.files) {
      const path = downloadPath(target.dirs[0], file);
      const size = (await fs.stat(path).catch(() => undefined))?.size;
      if (size !== file.size)
        throw new OperationRejectedError(
          `${path} is ${size === undefined ? 'missing' : `${size} bytes, not ${file.size}`} after the restore`,
        );
    }
    const stray = await strayFiles(target);
    if (stray.length > 0)
      throw new OperationRejectedError(
        `files not in the backup are still in ${tableId(target.table.keyspace, target.table.target)}'s directories: ${stray.slice(0, 5).join(', ')}`,
      );
  }
}

/**
 * Pins the node to the backup's tokens and stops it bootstrapping, for a node rebuilt from scratch. num_tokens
 * must equal the number of initial tokens or Cassandra refuses to start. Comments and every other setting are
 * kept; the file is replaced atomically so a crash never leaves a half-written cassandra.yaml.
 */
export async function pinTokens(configDir: string, tokens: string[]): Promise<string> {
  if (tokens.length === 0) throw new OperationRejectedError('the backup holds no tokens for this node: cannot pin cassandra.yaml');
  try {
    return await updateCassandraYaml(configDir, { initial_token: tokens.join(','), num_tokens: tokens.length, auto_bootstrap: false });
  } catch (error) {
    if (error instanceof InvalidCassandraYamlError) throw new OperationRejectedError(error.message);
    throw error;
  }
}

/**
 * IN_PLACE restore of a stopped node: the backup's files go straight into the tables' live directories
 * (verified), SSTables and secondary-index files that are not in the backup are removed, the commit log, hints
 * and saved caches are set aside so Cassandra replays nothing from before the restore, and, when asked,
 * cassandra.yaml gets the backup's tokens with auto_bootstrap off. The node is started again by whoever
 * stopped it.
 */
export async function restoreInPlace(
  backend: StorageBackend,
  request: RestoreRequest,
  context: ExecutionContext,
  me: NodeRegistration,
  node: CassandraNode,
  cluster: string,
  settings: InPlaceSettings,
  clock: Clock,
  encryption: ClientEncryption = ClientEncryption.none,
): Promise<RestoreInPlaceResult> {
  if (!(await nodeIsDown(node))) throw new OperationRejectedError('the node answers over JMX: an IN_PLACE restore needs Cassandra stopped');
  const configDir = request.cassandraConfigDirectory ?? settings.configDir;
  const layout = await readCassandraLayout(configDir, settings.cassandraHome);
  const location = anyStorageLocation(request.storageLocation, { datacenters: [me.dc] });
  const source = await resolveRestoreSource(
    backend,
    cluster,
    location,
    request.snapshotTag,
    me,
    request.resolveHostIdFromTopology ?? false,
  );
  // a read lease on the backup, so no removal sweeps what this restore downloads (released once it is down)
  const lease = { operationId: context.operationId, holder: me.hostId };
  await holdBackupForRestore(backend, cluster, source.backup.name, lease, clock.now().getTime()).catch((error: unknown) => {
    throw error instanceof BackupRemovedError ? new OperationRejectedError(error.message) : error;
  });
  // before any stray file is removed: a backup this agent cannot open changes nothing
  encryption.requireKeyFor(source.manifest, `backup ${source.backup.name}`);
  const targets: InPlaceTarget[] = [];
  for (const table of restoreTables(source.manifest, request)) {
    const backedUp = source.manifest.tables.find((t) => t.keyspace === table.keyspace && t.table === table.source);
    targets.push({ table, dirs: await targetDirs(me, table, backedUp) });
  }
  const removed: string[] = [];
  for (const target of targets) {
    for (const path of await strayFiles(target)) {
      await fs.remove(path);
      removed.push(path);
    }
  }
  const items: DownloadItem[] = targets.flatMap((t) => t.table.files.map((file) => ({ file, path: downloadPath(t.dirs[0], file) })));
  const fetched = await downloadFiles(backend, items, {
    concurrency: request.concurrentConnections ?? 10,
    signal: context.signal,
    reserveBytes: settings.reserveBytes,
    verifyExisting: true,
    encryption: encryption.key,
    onProgress: (done, total) => void context.progress(total === 0 ? 0.99 : Math.min(0.99, done / total)).catch(() => undefined),
  });
  recordTransfer(processMetrics(), 'restore', { downloaded: fetched.fetchedBytes });
  await proveInPlace(targets);
  await releaseRestoreLease(backend, cluster, source.backup.name, lease);
  const replayable = [layout.commitLogDirectory, layout.hintsDirectory, layout.savedCachesDirectory].filter(
    (d): d is string => d !== undefined,
  );
  const setAsideResult = await setAside(replayable, `restore-${context.operationId}`, clock.now());
  const yaml = request.updateCassandraYaml ? await pinTokens(configDir, source.manifest.tokens) : undefined;
  return {
    backupName: source.backup.name,
    files: items.length,
    removedFiles: removed.length,
    ...fetched,
    setAside: setAsideResult ?? null,
    cassandraYaml: yaml ?? null,
  };
}
