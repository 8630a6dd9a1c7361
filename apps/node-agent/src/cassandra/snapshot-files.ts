import { join } from 'node:path';
import { localFileSystem } from '../adapters/filesystem';
import { dataWalker, snapshotDirectory } from './data-directories';

/** One file of a table's snapshot on disk. */
export interface SnapshotFile {
  path: string;
  /** path inside the table's snapshot directory ("nb-1-big-Data.db", ".idx/nb-1-big-Data.db") */
  name: string;
  size: number;
  /** the directory its SSTable is stored under in the backup: "<sstable>-<identity>", prefixed by an index dir */
  sstableDir: string;
}

export interface SnapshotTable {
  keyspace: string;
  table: string;
  tableId: string;
  schemaCql?: string;
  files: SnapshotFile[];
}

/** Files Cassandra writes into a snapshot that are not SSTable components: kept in the manifest, not uploaded. */
const SNAPSHOT_METADATA = new Set(['manifest.json', 'schema.cql']);

/** The files of one snapshot directory (and its secondary-index subdirectories). */
async function snapshotDirFiles(dir: string): Promise<{ files: SnapshotFile[]; schemaCql?: string }> {
  const walked = (await dataWalker.files(dir, { indexes: true })).filter((f) => !SNAPSHOT_METADATA.has(f.name.split('/').pop() ?? ''));
  const schemaCql = await localFileSystem.readTextIfExists(join(dir, 'schema.cql'));
  // one directory (the snapshot's own, or one index subdirectory) at a time: identities are per directory
  const byDir = new Map<string, typeof walked>();
  for (const file of walked) {
    const subdir = file.name.includes('/') ? file.name.slice(0, file.name.lastIndexOf('/')) : '';
    byDir.set(subdir, [...(byDir.get(subdir) ?? []), file]);
  }
  const files: SnapshotFile[] = [];
  for (const subdir of [...byDir.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : 0))) {
    const inDir = byDir.get(subdir) ?? [];
    const baseName = (name: string) => name.slice(subdir ? subdir.length + 1 : 0);
    const stats = new Map(inDir.map((f) => [baseName(f.name), f]));
    const identities = new Map<string, string>();
    for (const file of [...inDir].sort((a, b) => baseName(a.name).localeCompare(baseName(b.name)))) {
      const sstable = file.component?.sstable ?? 'other';
      if (!identities.has(sstable)) {
        identities.set(sstable, file.component ? await dataWalker.identity(join(dir, subdir), sstable, stats) : 'files');
      }
      files.push({
        path: file.path,
        name: file.name,
        size: file.size,
        sstableDir: `${subdir ? `${subdir}/` : ''}${sstable}-${identities.get(sstable)}`,
      });
    }
  }
  return { files, schemaCql };
}

/**
 * Every file of snapshot `tag` for the given tables, across all data directories (a table's SSTables may be
 * spread over several; manifest.json and schema.cql sit in one of them).
 */
export async function listSnapshot(
  dataDirs: string[],
  tag: string,
  tables: Array<{ keyspace: string; table: string }>,
): Promise<SnapshotTable[]> {
  const wanted = new Set(tables.map((t) => `${t.keyspace}.${t.table}`));
  const result = new Map<string, SnapshotTable>();
  for (const dir of await dataWalker.tableDirectories(
    dataDirs,
    tables.map((t) => t.keyspace),
  )) {
    if (!wanted.has(`${dir.keyspace}.${dir.table}`)) continue;
    const { files, schemaCql } = await snapshotDirFiles(snapshotDirectory(dir.path, tag));
    if (files.length === 0 && schemaCql === undefined) continue;
    const id = `${dir.keyspace}.${dir.table}.${dir.tableId}`;
    const table = result.get(id) ?? { keyspace: dir.keyspace, table: dir.table, tableId: dir.tableId, files: [] };
    table.files.push(...files);
    table.schemaCql ??= schemaCql;
    result.set(id, table);
  }
  return [...result.values()].sort((a, b) => `${a.keyspace}.${a.table}`.localeCompare(`${b.keyspace}.${b.table}`));
}
