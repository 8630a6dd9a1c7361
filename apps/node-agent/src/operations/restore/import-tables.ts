import { join } from 'node:path';
import { RestoreRequest } from '@daedalus/contracts';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { parseComponentName } from '../../cassandra/sstable-names';
import { CassandraNode, ImportOptions } from '../../cassandra/cassandra-node';
import { dataWalker } from '../../cassandra/data-directories';

export function importOptions(request: RestoreRequest): ImportOptions {
  const i = request.import ?? {};
  // `quick` is nodetool import's: no verification of SSTables or tokens, no cache invalidation
  const quick = i.quick === true;
  return {
    resetLevel: !i.keepLevel,
    clearRepaired: !i.keepRepaired,
    verifySSTables: !i.noVerify && !quick,
    verifyTokens: !i.noVerifyTokens && !quick,
    invalidateCaches: !i.noInvalidateCaches && !quick,
    extendedVerify: !quick && (i.extendedVerify ?? false),
    copyData: false,
  };
}

/** IMPORT strategy: Cassandra's importNewSSTables moves the files in and verifies them; returns a failure or undefined. */
export async function importWithCassandra(
  node: CassandraNode,
  keyspace: string,
  table: string,
  dir: string,
  options: ImportOptions,
): Promise<string | undefined> {
  const failed = await node.importNewSSTables(keyspace, table, [dir], options);
  return failed.length > 0 ? `Cassandra could not import ${failed.join(', ')}` : undefined;
}

/**
 * HARDLINKS strategy: hard-link the staged components into the table's live directory (from Cassandra's
 * DataPaths, on the staging's filesystem) under ids the table does not use, then ask Cassandra to load them.
 * A component already linked (the same inode is in the live directory, under its staged name or the one
 * Cassandra renamed it to) is not linked again, so a retried step neither fails nor loads data twice.
 */
export async function importWithHardLinks(node: CassandraNode, keyspace: string, table: string, dir: string): Promise<string | undefined> {
  const liveDirs = await node.tableDataPaths(keyspace, table);
  const stagingDevice = (await fs.stat(dir))?.device;
  if (stagingDevice === undefined) throw new Error(`the staging directory ${dir} does not exist`);
  let target: string | undefined;
  for (const candidate of liveDirs) {
    if ((await fs.stat(candidate).catch(() => undefined))?.device === stagingDevice) target ??= candidate;
  }
  if (!target)
    return `none of ${keyspace}.${table}'s live directories (${liveDirs.join(', ')}) is on the staging directory's filesystem: hard links cannot reach them`;
  if (await dataWalker.isDroppedTableDir(target)) return `${target} holds a dropped table's snapshots: refusing to link into it`;
  const linked = await dataWalker.namesByInode(target);
  const staged = new Map<string, Array<{ name: string; component: string; inode: string }>>();
  for (const file of await dataWalker.components(dir)) {
    if (!file.component) continue;
    const components = staged.get(file.component.sstable) ?? [];
    components.push({ name: file.name, component: file.component.component, inode: file.inode });
    staged.set(file.component.sstable, components);
  }
  // integer generations in use in the table's live directories: new links go past them
  let nextGeneration = Math.max(0, ...(await dataWalker.usedGenerations(liveDirs))) + 1;
  for (const [sstable, components] of staged) {
    // an SSTable partly linked by an earlier attempt keeps the id it was given then
    const earlier = components.map((c) => linked.get(c.inode)).find((n) => n !== undefined);
    const [version, id, format] = sstable.split('-');
    let newSSTable = earlier ? parseComponentName(earlier)?.sstable : undefined;
    // integer generations are renumbered past the table's own; UUID-style ids are unique already
    newSSTable ??= /^\d+$/.test(id) ? `${version}-${nextGeneration++}-${format}` : sstable;
    for (const c of components) {
      if (!linked.has(c.inode)) await fs.link(join(dir, c.name), join(target, `${newSSTable}-${c.component}`));
    }
  }
  await node.loadNewSSTables(keyspace, table);
  return undefined;
}
