/**
 * The one walker of Cassandra's data directories. Cassandra keeps each table in
 * `<data dir>/<keyspace>/<table>-<table id>/` (in every data directory), SSTables as component files
 * `<version>-<id>-<format>-<Component>` directly in it, secondary-index SSTables in `.<index>/` subdirectories,
 * and snapshots under `snapshots/<tag>/` with the same shape. Everything the agent reads from these directories
 * (snapshot files for a backup, fingerprints proving a load, generations in use, stray files of an IN_PLACE
 * restore, dropped-table markers) is read here, through the filesystem adapter.
 */
import { join } from 'node:path';
import { FileSystem, localFileSystem } from '../adapters/filesystem';
import { ComponentName, parseComponentName, parseTableDir } from './sstable-names';

export interface TableDirectory {
  dataDir: string;
  keyspace: string;
  table: string;
  tableId: string;
  /** `<dataDir>/<keyspace>/<table>-<tableId>` */
  path: string;
}

/** One file in a table (or snapshot, or staging) directory. */
export interface DataFile {
  /** relative to the walked directory: "nb-1-big-Data.db", ".idx/nb-1-big-Data.db" */
  name: string;
  path: string;
  size: number;
  mtimeMs: number;
  /** "<device>:<inode>": the same for every hard link of the file */
  inode: string;
  /** set when the file is an SSTable component */
  component?: ComponentName;
}

export interface WalkOptions {
  /** also the files of `.<index>/` subdirectories (secondary indexes), named `.<index>/<file>` */
  indexes?: boolean;
  /** only SSTable component files */
  componentsOnly?: boolean;
}

/** Where a table keeps its snapshots. */
export const snapshotsDirectory = (tableDir: string): string => join(tableDir, 'snapshots');
export const snapshotDirectory = (tableDir: string, tag: string): string => join(tableDir, 'snapshots', tag);

export class CassandraDataWalker {
  constructor(private readonly fs: FileSystem = localFileSystem) {}

  /** The table directories of the given keyspaces in every data directory, sorted by path. */
  async tableDirectories(dataDirs: string[], keyspaces: string[]): Promise<TableDirectory[]> {
    const found: TableDirectory[] = [];
    for (const dataDir of dataDirs) {
      for (const keyspace of new Set(keyspaces)) {
        for (const entry of await this.fs.list(join(dataDir, keyspace))) {
          const parsed = entry.isDirectory ? parseTableDir(entry.name) : undefined;
          if (parsed) found.push({ dataDir, keyspace, ...parsed, path: join(dataDir, keyspace, entry.name) });
        }
      }
    }
    return found;
  }

  /**
   * The regular files of `dir` with their size, time and inode (nothing when `dir` does not exist). A file
   * removed while this walks (a compaction) is left out.
   */
  async files(dir: string, options: WalkOptions = {}, prefix = ''): Promise<DataFile[]> {
    const files: DataFile[] = [];
    const subdirs: string[] = [];
    for (const entry of await this.fs.list(dir)) {
      if (entry.isDirectory) {
        if (options.indexes && entry.name.startsWith('.')) subdirs.push(entry.name);
        continue;
      }
      if (!entry.isFile) continue;
      const component = parseComponentName(entry.name);
      if (options.componentsOnly && !component) continue;
      const info = await this.fs.stat(join(dir, entry.name));
      if (!info?.isFile) continue;
      files.push({
        name: prefix + entry.name,
        path: join(dir, entry.name),
        size: info.size,
        mtimeMs: info.mtimeMs,
        inode: info.inode,
        ...(component ? { component } : {}),
      });
    }
    for (const subdir of subdirs) files.push(...(await this.files(join(dir, subdir), options, `${prefix}${subdir}/`)));
    return files;
  }

  /** SSTable component files of `dir` (and with `indexes`, of its index subdirectories). */
  components(dir: string, options: Omit<WalkOptions, 'componentsOnly'> = {}): Promise<DataFile[]> {
    return this.files(dir, { ...options, componentsOnly: true });
  }

  /** The tags of a table's snapshots. */
  async snapshotTags(tableDir: string): Promise<string[]> {
    return (await this.fs.list(snapshotsDirectory(tableDir))).filter((e) => e.isDirectory).map((e) => e.name);
  }

  /**
   * True when the directory belongs to a dropped table: DROP TABLE leaves `snapshots/dropped-<millis>-<table>`
   * in it (auto_snapshot). Such a directory is never written or cleaned by a restore.
   */
  async isDroppedTableDir(tableDir: string): Promise<boolean> {
    return (await this.snapshotTags(tableDir)).some((tag) => tag.startsWith('dropped-'));
  }

  /**
   * The identity of an SSTable without reading its data: the CRC32 of Data.db that Cassandra keeps in the
   * tiny Digest component ("c" + 8 hex). Without a digest, the Data.db size and modification time stand in.
   * `files` are the SSTable's directory's files by name.
   */
  async identity(dir: string, sstable: string, files: ReadonlyMap<string, { size: number; mtimeMs: number }>): Promise<string> {
    const digestName = `${sstable}-Digest.crc32`;
    if (files.has(digestName)) {
      const text = ((await this.fs.readTextIfExists(join(dir, digestName))) ?? '').trim();
      if (/^\d+$/.test(text)) return `c${Number(text).toString(16).padStart(8, '0')}`;
    }
    const data = files.get(`${sstable}-Data.db`);
    return data ? `s${data.size}t${Math.floor(data.mtimeMs)}` : 'unknown';
  }

  /**
   * What identifies each SSTable's content in `dir` wherever it is and whatever it is called: its Data.db size
   * and identity ("<size>:<identity>"), by SSTable name. Import and refresh rename SSTables to new ids, so names
   * cannot be compared; these can.
   */
  async fingerprints(dir: string): Promise<Map<string, string>> {
    const files = new Map((await this.components(dir)).map((f) => [f.name, f]));
    const fingerprints = new Map<string, string>();
    for (const file of files.values()) {
      if (file.component?.component !== 'Data.db') continue;
      fingerprints.set(file.component.sstable, `${file.size}:${await this.identity(dir, file.component.sstable, files)}`);
    }
    return fingerprints;
  }

  /** The fingerprints of every SSTable in any of `dirs`. */
  async fingerprintsIn(dirs: string[]): Promise<Set<string>> {
    const all = new Set<string>();
    for (const dir of dirs) for (const fingerprint of (await this.fingerprints(dir)).values()) all.add(fingerprint);
    return all;
  }

  /** Integer SSTable generations present in `dirs` (UUID-style ids are left out). */
  async usedGenerations(dirs: string[]): Promise<number[]> {
    const used: number[] = [];
    for (const dir of dirs) {
      for (const file of await this.components(dir)) {
        const id = file.component?.sstable.split('-')[1];
        if (id && /^\d+$/.test(id)) used.push(Number(id));
      }
    }
    return used;
  }

  /** The name of every file directly in `dir` by inode: a hard link made earlier shows up under whatever name it has now. */
  async namesByInode(dir: string): Promise<Map<string, string>> {
    return new Map((await this.files(dir)).map((f) => [f.inode, f.name]));
  }
}

/** The walker over the machine's own filesystem. */
export const dataWalker = new CassandraDataWalker();
