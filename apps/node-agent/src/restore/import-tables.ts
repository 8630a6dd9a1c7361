import { link, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RestoreRequest } from '@daedalus/contracts';
import { errorMessage } from '@daedalus/messaging';
import { parseComponentName, parseTableDir } from '../backup/sstable-names';
import { CassandraNode, ImportOptions } from '../cassandra/cassandra-node';

export function importOptions(request: RestoreRequest): ImportOptions {
  const i = request.import ?? {};
  return {
    resetLevel: !i.keepLevel,
    clearRepaired: !i.keepRepaired,
    verifySSTables: !i.noVerify,
    verifyTokens: !i.noVerifyTokens,
    invalidateCaches: !i.noInvalidateCaches,
    extendedVerify: i.extendedVerify ?? false,
    copyData: false,
  };
}

/** IMPORT strategy: Cassandra's importNewSSTables moves the files in and verifies them; returns a failure or undefined. */
export async function importWithCassandra(node: CassandraNode, keyspace: string, table: string, dir: string, options: ImportOptions): Promise<string | undefined> {
  const failed = await node.importNewSSTables(keyspace, table, [dir], options);
  return failed.length > 0 ? `Cassandra could not import ${failed.join(', ')}` : undefined;
}

/** The live directory of a table in a data directory (the newest one when a dropped table left an older id). */
async function liveTableDir(dataDir: string, keyspace: string, table: string): Promise<string | undefined> {
  const candidates: Array<{ path: string; mtime: number }> = [];
  for (const entry of await readdir(join(dataDir, keyspace), { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory() && parseTableDir(entry.name)?.table === table) {
      const path = join(dataDir, keyspace, entry.name);
      candidates.push({ path, mtime: (await stat(path)).mtimeMs });
    }
  }
  return candidates.sort((a, b) => b.mtime - a.mtime)[0]?.path;
}

/**
 * HARDLINKS strategy: hard-link the staged components into the live table directory under generations the
 * table does not use yet, then ask Cassandra to load them. The staged files stay, so a retry can link again.
 */
export async function importWithHardLinks(node: CassandraNode, dataDirs: string[], keyspace: string, table: string, dir: string): Promise<string | undefined> {
  const target = await liveTableDir(dataDirs[0], keyspace, table);
  if (!target) return `no directory for ${keyspace}.${table} in ${dataDirs[0]}`;
  const used = new Set<number>();
  for (const dataDir of dataDirs) {
    const tableDir = await liveTableDir(dataDir, keyspace, table);
    for (const name of tableDir ? await readdir(tableDir) : []) {
      const id = parseComponentName(name)?.sstable.split('-')[1];
      if (id && /^\d+$/.test(id)) used.add(Number(id));
    }
  }
  let nextGeneration = Math.max(0, ...used) + 1;
  const renamed = new Map<string, string>();
  try {
    await mkdir(target, { recursive: true });
    for (const name of (await readdir(dir)).sort()) {
      const parsed = parseComponentName(name);
      if (!parsed) continue;
      const [version, id, format] = parsed.sstable.split('-');
      // integer generations are renumbered past the table's own; UUID-style ids are unique already
      let newSSTable = parsed.sstable;
      if (/^\d+$/.test(id)) {
        newSSTable = renamed.get(parsed.sstable) ?? `${version}-${nextGeneration++}-${format}`;
        renamed.set(parsed.sstable, newSSTable);
      }
      await link(join(dir, name), join(target, `${newSSTable}-${parsed.component}`));
    }
    await node.loadNewSSTables(keyspace, table);
    return undefined;
  } catch (error) {
    return `hard-linking into ${target} failed: ${errorMessage(error)}`;
  }
}
