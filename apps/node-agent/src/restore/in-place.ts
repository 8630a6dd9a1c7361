import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { NodeRegistration, RestoreRequest } from '@daedalus/contracts';
import { StorageBackend } from '@daedalus/storage';
import { anyStorageLocation } from '../backup/request-storage';
import { parseComponentName, parseTableDir } from '../backup/sstable-names';
import { CassandraNode } from '../cassandra/cassandra-node';
import { ExecutionContext, OperationRejectedError } from '../executors/executor';
import { downloadFiles, downloadPath } from './downloader';
import { restoreTables } from './restore-scope';
import { resolveRestoreSource } from './restore-source';

async function nodeIsDown(node: CassandraNode): Promise<boolean> {
  try {
    await node.operationMode();
    return false;
  } catch {
    return true;
  }
}

async function tableDirs(dataDirs: string[], keyspace: string, table: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const dataDir of dataDirs) {
    for (const entry of await readdir(join(dataDir, keyspace), { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory() && parseTableDir(entry.name)?.table === table) dirs.push(join(dataDir, keyspace, entry.name));
    }
  }
  return dirs;
}

/**
 * Pins the node to the backup's tokens and stops it bootstrapping, for a node rebuilt from scratch. num_tokens
 * must equal the number of initial tokens or Cassandra refuses to start. Comments and every other setting are
 * kept; the file is replaced atomically so a crash never leaves a half-written cassandra.yaml.
 */
export async function pinTokens(configDir: string, tokens: string[]): Promise<string> {
  if (tokens.length === 0) throw new OperationRejectedError('the backup holds no tokens for this node: cannot pin cassandra.yaml');
  const file = join(configDir, 'cassandra.yaml');
  const doc = parseDocument(await readFile(file, 'utf8'));
  if (doc.errors.length > 0) throw new OperationRejectedError(`${file} is not valid YAML: ${doc.errors[0].message}`);
  doc.set('initial_token', tokens.join(','));
  doc.set('num_tokens', tokens.length);
  doc.set('auto_bootstrap', false);
  const temporary = `${file}.daedalus-${process.pid}`;
  await writeFile(temporary, doc.toString());
  await rename(temporary, file);
  return file;
}

/**
 * IN_PLACE restore of a stopped node: the backup's files go straight into the data directories (verified),
 * SSTables that are not in the backup are removed from the restored tables, and, when asked, cassandra.yaml
 * gets the backup's tokens with auto_bootstrap off. The node is started again by whoever stopped it.
 */
export async function restoreInPlace(
  backend: StorageBackend,
  request: RestoreRequest,
  context: ExecutionContext,
  me: NodeRegistration,
  node: CassandraNode,
  cluster: string,
  settings: { configDir: string; reserveBytes: number },
): Promise<unknown> {
  if (!(await nodeIsDown(node))) throw new OperationRejectedError('the node answers over JMX: an IN_PLACE restore needs Cassandra stopped');
  const location = anyStorageLocation(request.storageLocation);
  const source = await resolveRestoreSource(backend, cluster, location, request.snapshotTag, me, request.resolveHostIdFromTopology ?? false);
  const tables = restoreTables(source.manifest, request);
  const items = [];
  const removed: string[] = [];
  for (const table of tables) {
    const backedUp = source.manifest.tables.find((t) => t.keyspace === table.keyspace && t.table === table.source);
    const existing = await tableDirs(me.dataDirectories, table.keyspace, table.target);
    const target = existing[0] ?? join(me.dataDirectories[0], table.keyspace, `${table.target}-${backedUp?.tableId ?? ''}`);
    const wanted = new Set(table.files.map((f) => f.name));
    for (const dir of existing.length > 0 ? existing : [target]) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (parseComponentName(name) && !(dir === target && wanted.has(name))) {
          await rm(join(dir, name), { force: true });
          removed.push(join(dir, name));
        }
      }
    }
    items.push(...table.files.map((file) => ({ file, path: downloadPath(target, file) })));
  }
  const fetched = await downloadFiles(backend, items, {
    concurrency: request.concurrentConnections ?? 10,
    signal: context.signal,
    reserveBytes: settings.reserveBytes,
    verifyExisting: true,
    onProgress: (done, total) => void context.progress(total === 0 ? 0.99 : Math.min(0.99, done / total)).catch(() => undefined),
  });
  const yaml = request.updateCassandraYaml ? await pinTokens(request.cassandraConfigDirectory ?? settings.configDir, source.manifest.tokens) : undefined;
  return { backupName: source.backup.name, files: items.length, removedFiles: removed.length, ...fetched, cassandraYaml: yaml ?? null };
}
