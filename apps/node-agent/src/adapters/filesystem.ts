/**
 * The node agent's only door to the local filesystem: every read, write, listing and link of the agent goes
 * through a `FileSystem`, so nothing else imports `node:fs`. `localFileSystem` is the real one; tests that need
 * a filesystem use it on a temporary directory (the files an agent handles are Cassandra's own, so a real
 * directory is the honest fake).
 *
 * Errors are Node's own (`ENOENT`, `EEXIST`, `EXDEV`, ...): callers that care test `errorCode(error)`.
 */
import { constants, createReadStream, createWriteStream } from 'node:fs';
import {
  copyFile,
  link,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  statfs,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';

/**
 * Chunk size of the agent's file streams. Node's 64 KiB default makes a 2 GiB backup or restore 32,000 reads or
 * writes, each a trip to the thread pool plus a buffer for the GC: the data path's main-thread cost. 1 MiB per
 * stream keeps memory small (a few MiB per transfer in flight) and cuts those trips sixteenfold.
 */
export const STREAM_CHUNK_BYTES = 1024 * 1024;

/** What the agent needs to know about a file or directory. */
export interface FileInfo {
  size: number;
  mtimeMs: number;
  /** "<device>:<inode>": equal for two names of one file (hard links) */
  inode: string;
  device: number;
  isFile: boolean;
  isDirectory: boolean;
}

export interface DirEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
}

export abstract class FileSystem {
  abstract readText(path: string): Promise<string>;
  /** The file's text, or undefined when it does not exist. */
  abstract readTextIfExists(path: string): Promise<string | undefined>;
  abstract write(path: string, data: string | Uint8Array): Promise<void>;
  /** Writes a temporary file beside `path` and renames it over `path`: readers see the old or the new content. */
  abstract replace(path: string, data: string | Uint8Array): Promise<void>;
  /** `replace`, on disk before it resolves: the file's data and the rename are fsynced (what a power cut must not lose). */
  abstract replaceDurably(path: string, data: string | Uint8Array): Promise<void>;
  /** Entries of a directory, sorted by name; empty when the directory does not exist. */
  abstract list(dir: string): Promise<DirEntry[]>;
  /** Like `list`, but a missing directory is an error. */
  abstract listExisting(dir: string): Promise<DirEntry[]>;
  /** undefined when nothing is at `path`. */
  abstract stat(path: string): Promise<FileInfo | undefined>;
  /** `path` with every symbolic link resolved (realpath), or undefined when nothing is at `path`. */
  abstract realPath(path: string): Promise<string | undefined>;
  abstract makeDirectory(dir: string): Promise<void>;
  abstract rename(from: string, to: string): Promise<void>;
  /** Removes a file or a whole tree; nothing there is fine. */
  abstract remove(path: string): Promise<void>;
  /** Removes a directory only when it is empty; false when it was not removed (not empty, or absent). */
  abstract removeEmptyDirectory(dir: string): Promise<boolean>;
  /** A hard link `newPath` to `existing` (fails with EEXIST when `newPath` exists, EXDEV across filesystems). */
  abstract link(existing: string, newPath: string): Promise<void>;
  /** A copy of a file (fails with EEXIST when `to` exists). */
  abstract copy(from: string, to: string): Promise<void>;
  abstract openRead(path: string): Readable;
  abstract openWrite(path: string): Writable;
  /** Bytes an unprivileged writer may still use on the filesystem holding `path`. */
  abstract freeBytes(path: string): Promise<number>;
  /** A new, empty, private directory under the system's temporary directory (tests, scratch space). */
  abstract makeTemporaryDirectory(prefix: string): Promise<string>;
}

/** The errno code of a filesystem error (`ENOENT`, `EEXIST`, ...), or undefined. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function absentAs<T>(promise: Promise<T>, fallback: T): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return fallback;
    throw error;
  }
}

/** The machine's own filesystem, through node:fs. */
export class LocalFileSystem extends FileSystem {
  readText(path: string): Promise<string> {
    return readFile(path, 'utf8');
  }

  readTextIfExists(path: string): Promise<string | undefined> {
    return absentAs<string | undefined>(readFile(path, 'utf8'), undefined);
  }

  write(path: string, data: string | Uint8Array): Promise<void> {
    return writeFile(path, data);
  }

  async replace(path: string, data: string | Uint8Array): Promise<void> {
    const temporary = `${path}.daedalus-${process.pid}.tmp`;
    await writeFile(temporary, data);
    await rename(temporary, path);
  }

  async replaceDurably(path: string, data: string | Uint8Array): Promise<void> {
    const temporary = `${path}.daedalus-${process.pid}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async list(dir: string): Promise<DirEntry[]> {
    return absentAs(this.listExisting(dir), []);
  }

  async listExisting(dir: string): Promise<DirEntry[]> {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .map((e) => ({ name: e.name, isFile: e.isFile(), isDirectory: e.isDirectory() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    const info = await absentAs(stat(path), undefined);
    return (
      info && {
        size: info.size,
        mtimeMs: info.mtimeMs,
        inode: `${info.dev}:${info.ino}`,
        device: info.dev,
        isFile: info.isFile(),
        isDirectory: info.isDirectory(),
      }
    );
  }

  realPath(path: string): Promise<string | undefined> {
    return absentAs<string | undefined>(realpath(path), undefined);
  }

  async makeDirectory(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
  }

  rename(from: string, to: string): Promise<void> {
    return rename(from, to);
  }

  remove(path: string): Promise<void> {
    return rm(path, { recursive: true, force: true });
  }

  async removeEmptyDirectory(dir: string): Promise<boolean> {
    try {
      await rmdir(dir);
      return true;
    } catch (error) {
      if (['ENOENT', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR'].includes(errorCode(error) ?? '')) return false;
      throw error;
    }
  }

  link(existing: string, newPath: string): Promise<void> {
    return link(existing, newPath);
  }

  copy(from: string, to: string): Promise<void> {
    return copyFile(from, to, constants.COPYFILE_EXCL);
  }

  openRead(path: string): Readable {
    return createReadStream(path, { highWaterMark: STREAM_CHUNK_BYTES });
  }

  openWrite(path: string): Writable {
    return createWriteStream(path, { highWaterMark: STREAM_CHUNK_BYTES });
  }

  async freeBytes(path: string): Promise<number> {
    const fs = await statfs(path);
    return fs.bavail * fs.bsize;
  }

  makeTemporaryDirectory(prefix: string): Promise<string> {
    return mkdtemp(join(tmpdir(), `${prefix}-`));
  }
}

/** The one instance the agent uses unless a test hands it another. */
export const localFileSystem: FileSystem = new LocalFileSystem();
