import { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseComponentName, parseTableDir } from './sstable-names';

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

export async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * The identity of an SSTable without reading its data: the CRC32 of Data.db that Cassandra keeps in the
 * tiny Digest component. Without a digest, the Data.db size and modification time stand in.
 */
export async function sstableIdentity(
  dir: string,
  sstable: string,
  files: Map<string, { size: number; mtimeMs: number }>,
): Promise<string> {
  const digestName = `${sstable}-Digest.crc32`;
  if (files.has(digestName)) {
    const text = (await readFile(join(dir, digestName), 'utf8')).trim();
    if (/^\d+$/.test(text)) return `c${Number(text).toString(16).padStart(8, '0')}`;
  }
  const data = files.get(`${sstable}-Data.db`);
  return data ? `s${data.size}t${Math.floor(data.mtimeMs)}` : 'unknown';
}

/** The files of one snapshot directory (and its secondary-index subdirectories). */
async function snapshotDirFiles(dir: string, subdir = ''): Promise<{ files: SnapshotFile[]; schemaCql?: string }> {
  const stats = new Map<string, { size: number; mtimeMs: number }>();
  const subdirs: string[] = [];
  let schemaCql: string | undefined;
  for (const entry of await entries(dir)) {
    if (entry.isDirectory()) {
      if (entry.name.startsWith('.')) subdirs.push(entry.name);
      continue;
    }
    if (!entry.isFile()) continue;
    if (SNAPSHOT_METADATA.has(entry.name)) {
      if (entry.name === 'schema.cql' && !subdir) schemaCql = await readFile(join(dir, entry.name), 'utf8');
      continue;
    }
    const info = await stat(join(dir, entry.name));
    stats.set(entry.name, { size: info.size, mtimeMs: info.mtimeMs });
  }
  const identities = new Map<string, string>();
  const files: SnapshotFile[] = [];
  for (const [name, info] of [...stats.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const parsed = parseComponentName(name);
    const sstable = parsed?.sstable ?? 'other';
    if (!identities.has(sstable)) identities.set(sstable, parsed ? await sstableIdentity(dir, sstable, stats) : 'files');
    const sstableDir = `${subdir ? `${subdir}/` : ''}${sstable}-${identities.get(sstable)}`;
    files.push({ path: join(dir, name), name: subdir ? `${subdir}/${name}` : name, size: info.size, sstableDir });
  }
  for (const child of subdirs) {
    const nested = await snapshotDirFiles(join(dir, child), subdir ? `${subdir}/${child}` : child);
    files.push(...nested.files);
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
  const wanted = new Map(tables.map((t) => [`${t.keyspace}.${t.table}`, t]));
  const result = new Map<string, SnapshotTable>();
  for (const dataDir of dataDirs) {
    for (const keyspace of new Set(tables.map((t) => t.keyspace))) {
      for (const tableEntry of await entries(join(dataDir, keyspace))) {
        if (!tableEntry.isDirectory()) continue;
        const parsed = parseTableDir(tableEntry.name);
        if (!parsed || !wanted.has(`${keyspace}.${parsed.table}`)) continue;
        const snapshotDir = join(dataDir, keyspace, tableEntry.name, 'snapshots', tag);
        const { files, schemaCql } = await snapshotDirFiles(snapshotDir);
        if (files.length === 0 && schemaCql === undefined) continue;
        const id = `${keyspace}.${parsed.table}.${parsed.tableId}`;
        const table = result.get(id) ?? { keyspace, table: parsed.table, tableId: parsed.tableId, files: [] };
        table.files.push(...files);
        table.schemaCql ??= schemaCql;
        result.set(id, table);
      }
    }
  }
  return [...result.values()].sort((a, b) => `${a.keyspace}.${a.table}`.localeCompare(`${b.keyspace}.${b.table}`));
}
