/**
 * Local directory provider. Objects are plain files under <root>/<bucket>/<key>, readable by any
 * tool (Esop's file layout). A put writes a temporary file in <bucket>/.daedalus-tmp, fsyncs it and
 * renames (or hard-links, for ifNotExists) it into place, then fsyncs the directory: readers never
 * see partial files and a completed put survives a crash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, createWriteStream, Dirent, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import {
  Capabilities,
  EnsureBucketOptions,
  GetOptions,
  ListEntry,
  ListOptions,
  ObjectInfo,
  PutOptions,
  PutResult,
  PutSource,
  StorageBackend,
} from '../../backend';
import {
  AlreadyExistsError,
  classOfKind,
  describeError,
  ErrorClass,
  IntegrityError,
  isStorageError,
  isTransientSystemError,
  StorageError,
  StorageErrorDetails,
  stringProp,
} from '../../errors';
import { compareKeys, validateKey, validatePrefix } from '../../keys';
import { checkRange, guardDownload, tapPutSource } from '../common';
import { DirectorySyncs } from './directory-syncs';

export interface FileBackendOptions {
  /** Absolute directory holding bucket directories. */
  root: string;
  bucket: string;
}

const TMP_DIR = '.daedalus-tmp';
/** Reads and writes in 1 MiB chunks: Node's 64 KiB default costs a thread-pool trip and a buffer per 64 KiB. */
const STREAM_CHUNK_BYTES = 1024 * 1024;
const PROVIDER = 'file';
/**
 * Read buffers of the copies' hashing, kept for the next put instead of left to the GC (a fresh 1 MiB per object
 * was most of a file-store backup's garbage); at most this many are kept, about the puts that run at once.
 */
const KEPT_READ_BUFFERS = 8;
const readBuffers: Buffer[] = [];
/** a put's rename retried when a concurrent delete removed its emptied directory (see moveIntoPlace) */
const MOVE_ATTEMPTS = 5;

export class FileBackend implements StorageBackend {
  readonly name: string;
  readonly capabilities: Capabilities = {
    provider: 'file',
    maxObjectSize: Number.MAX_SAFE_INTEGER,
    multipart: false,
    atomicPut: true,
    conditionalPut: 'atomic',
    rangeReads: true,
    hashMetadata: 'none',
  };
  private readonly base: string;
  /** concurrent puts into one directory share its fsyncs */
  private readonly directorySyncs = new DirectorySyncs((dir) => fsyncPath(dir, 'r'));

  constructor(options: FileBackendOptions) {
    if (!options.root.startsWith('/')) throw new StorageError('permanent', 'file: root must be an absolute path', { provider: PROVIDER });
    validateKey(options.bucket, PROVIDER);
    this.base = join(options.root, options.bucket);
    this.name = `file://${this.base}`;
  }

  async ensureBucket(options: EnsureBucketOptions): Promise<void> {
    try {
      const info = await fs.stat(this.base);
      if (!info.isDirectory()) throw new StorageError('permanent', `${this.name} is not a directory`, { provider: PROVIDER });
    } catch (error) {
      if (stringProp(error, 'code') !== 'ENOENT') throw this.toStorageError(error, 'ensureBucket');
      if (!options.create) {
        throw new StorageError('not-found', `file: bucket directory ${this.base} does not exist`, {
          provider: PROVIDER,
          operation: 'ensureBucket',
          code: 'ENOENT',
        });
      }
      await fs.mkdir(this.base, { recursive: true }).catch((e: unknown) => {
        throw this.toStorageError(e, 'ensureBucket');
      });
    }
  }

  async put(key: string, source: PutSource, options: PutOptions = {}): Promise<PutResult> {
    this.checkKey(key);
    const details = { provider: PROVIDER, key, operation: 'put' };
    const target = this.pathOf(key);
    const tmpDir = join(this.base, TMP_DIR);
    const tmp = join(tmpDir, `${randomBytes(8).toString('hex')}.part`);
    // a local source file is copied by the kernel (reflink or copy_file_range) and the copy hashed: no stream
    const tap = options.localFile === undefined ? tapPutSource(source, options, details) : undefined;
    if (!tap && typeof source !== 'function') source.destroy(); // never read
    try {
      if (options.ifNotExists && (await exists(target))) throw new AlreadyExistsError(details);
      await fs.mkdir(tmpDir, { recursive: true });
      let written: { size: number; sha256: string };
      if (tap) {
        await pipeline(tap, createWriteStream(tmp, { flags: 'wx', highWaterMark: STREAM_CHUNK_BYTES }));
        await fsyncPath(tmp, 'r+');
        written = { size: tap.byteCount, sha256: tap.digestHex };
      } else {
        written = await copyHashedDurably(options.localFile as string, tmp, options, details);
      }
      await this.moveIntoPlace(tmp, target, options.ifNotExists === true, details);
      await this.directorySyncs.sync(dirname(target));
      return { key, ...written };
    } catch (error) {
      tap?.destroy();
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw this.toStorageError(error, 'put', key);
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    this.checkKey(key);
    const rangeProblem = checkRange(options.range);
    const details = { provider: PROVIDER, key, operation: 'get' };
    if (rangeProblem) throw new StorageError('permanent', `file: ${rangeProblem}`, { ...details, code: 'invalid-range' });
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(this.pathOf(key), 'r');
      const info = await handle.stat();
      if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
      const range = options.range;
      if (range && range.start >= info.size && !(range.start === 0 && info.size === 0)) {
        throw new StorageError('permanent', `file: range start ${range.start} is beyond the object size ${info.size}`, {
          ...details,
          code: 'invalid-range',
          status: 416,
        });
      }
      const end = range?.end === undefined ? undefined : Math.min(range.end, info.size - 1);
      const stream = handle.createReadStream({ start: range?.start, end, autoClose: true, highWaterMark: STREAM_CHUNK_BYTES });
      handle = undefined; // owned by the stream now
      return guardDownload(stream, options.expected, details, (e) => this.toStorageError(e, 'get', key));
    } catch (error) {
      await handle?.close().catch(() => undefined);
      throw this.toStorageError(error, 'get', key);
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    this.checkKey(key);
    try {
      const info = await fs.stat(this.pathOf(key));
      if (!info.isFile()) return undefined;
      return { size: info.size, lastModified: info.mtime };
    } catch (error) {
      const mapped = this.toStorageError(error, 'stat', key);
      if (mapped.kind === 'not-found') return undefined;
      throw mapped;
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ListEntry> {
    validatePrefix(prefix, PROVIDER);
    if (options.delimiter !== undefined && options.delimiter !== '/') {
      throw new StorageError('permanent', `file: only "/" is supported as a delimiter`, { provider: PROVIDER, operation: 'list' });
    }
    // Start at the deepest directory the prefix fully names; filter the rest by name.
    const cut = prefix.lastIndexOf('/');
    const dirKey = cut < 0 ? '' : prefix.slice(0, cut + 1);
    yield* this.walk(dirKey, prefix, options.delimiter === '/');
  }

  async delete(key: string): Promise<void> {
    this.checkKey(key);
    try {
      await fs.unlink(this.pathOf(key));
    } catch (error) {
      const code = stringProp(error, 'code');
      if (code === 'ENOENT') return;
      if (code === 'EISDIR' || code === 'EPERM') {
        // A "directory" key is not an object; nothing to delete.
        const info = await fs.stat(this.pathOf(key)).catch(() => undefined);
        if (info?.isDirectory()) return;
      }
      throw this.toStorageError(error, 'delete', key);
    }
    await this.removeEmptyParents(key);
  }

  classifyError(error: unknown): ErrorClass {
    if (isStorageError(error)) return classOfKind(error.kind);
    const code = stringProp(error, 'code');
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'not-found';
    if (isTransientSystemError(error)) return 'retryable';
    return 'permanent';
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  private async *walk(dirKey: string, prefix: string, delimited: boolean): AsyncGenerator<ListEntry> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(join(this.base, dirKey), { withFileTypes: true });
    } catch (error) {
      const code = stringProp(error, 'code');
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw this.toStorageError(error, 'list');
    }
    // Sorting "dir/" rather than "dir" keeps the recursive walk in global byte order of keys.
    const named = entries
      .filter((entry) => !(dirKey === '' && entry.name === TMP_DIR))
      .filter((entry) => entry.isDirectory() || entry.isFile())
      .map((entry) => ({ entry, key: dirKey + entry.name + (entry.isDirectory() ? '/' : '') }))
      .sort((a, b) => compareKeys(a.key, b.key));
    for (const { entry, key } of named) {
      if (entry.isDirectory()) {
        if (!key.startsWith(prefix) && !prefix.startsWith(key)) continue;
        if (delimited && key.startsWith(prefix)) {
          yield { key, isPrefix: true };
        } else {
          yield* this.walk(key, prefix, delimited);
        }
      } else if (key.startsWith(prefix)) {
        const info = await fs.stat(join(this.base, key)).catch(() => undefined);
        if (info) yield { key, isPrefix: false, size: info.size, lastModified: info.mtime };
      }
    }
  }

  /**
   * Renames (or, for ifNotExists, hard-links) the written temporary file to its key. A delete of the last object
   * in the target's directory removes that directory (removeEmptyParents) and may do so between this put's mkdir
   * and its rename: the directory is then made again and the move retried, a bounded number of times.
   */
  private async moveIntoPlace(tmp: string, target: string, ifNotExists: boolean, details: StorageErrorDetails): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await fs.mkdir(dirname(target), { recursive: true });
      try {
        if (ifNotExists) {
          // link() fails with EEXIST instead of replacing: the atomic create-if-absent.
          await fs.link(tmp, target);
          await fs.unlink(tmp);
        } else {
          await fs.rename(tmp, target);
        }
        return;
      } catch (error) {
        const code = stringProp(error, 'code');
        if (code === 'EEXIST' && ifNotExists) throw new AlreadyExistsError(details);
        if (code !== 'ENOENT' || attempt >= MOVE_ATTEMPTS || !(await exists(tmp))) throw error;
      }
    }
  }

  private async removeEmptyParents(key: string): Promise<void> {
    const parts = key.split('/').slice(0, -1);
    while (parts.length > 0) {
      try {
        await fs.rmdir(join(this.base, ...parts));
      } catch {
        return; // not empty, or already gone
      }
      parts.pop();
    }
  }

  private checkKey(key: string): void {
    validateKey(key, PROVIDER);
    if (key === TMP_DIR || key.startsWith(`${TMP_DIR}/`)) {
      throw new StorageError('permanent', `file: keys under ${TMP_DIR}/ are reserved`, { provider: PROVIDER, key, code: 'invalid-key' });
    }
  }

  private pathOf(key: string): string {
    return join(this.base, ...key.split('/'));
  }

  private toStorageError(error: unknown, operation: string, key?: string): StorageError {
    if (isStorageError(error)) return error;
    const code = stringProp(error, 'code');
    const kind = this.classifyError(error);
    // Messages name the key, never the absolute path's parent directories beyond the bucket.
    return new StorageError(kind, `file: ${operation}${key ? ` ${JSON.stringify(key)}` : ''} failed: ${describeError(error)}`, {
      provider: PROVIDER,
      key,
      operation,
      code,
    });
  }
}

/**
 * Copies `from` to the new file `to` in the kernel (COPYFILE_FICLONE: a reflink where the filesystem shares
 * blocks, else libuv's copy_file_range/sendfile), then reads the copy back — from the page cache, into one
 * buffer reused across puts — to hash what is stored, checks it against the expected size and sha256, and fsyncs it.
 * Hashing the copy rather than the source proves the stored bytes themselves.
 */
async function copyHashedDurably(
  from: string,
  to: string,
  expected: PutOptions,
  details: { provider: string; key: string; operation: string },
): Promise<{ size: number; sha256: string }> {
  await fs.copyFile(from, to, fsConstants.COPYFILE_EXCL | fsConstants.COPYFILE_FICLONE);
  const handle = await fs.open(to, 'r+');
  try {
    const hash = createHash('sha256');
    const buffer = readBuffers.pop() ?? Buffer.allocUnsafe(STREAM_CHUNK_BYTES);
    let size = 0;
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, size);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        size += bytesRead;
      }
    } finally {
      // no read is in flight here (each was awaited), and the hash copied what it needed
      if (readBuffers.length < KEPT_READ_BUFFERS) readBuffers.push(buffer);
    }
    const sha256 = hash.digest('hex');
    if ((expected.size !== undefined && size !== expected.size) || (expected.sha256 !== undefined && sha256 !== expected.sha256)) {
      throw new IntegrityError(
        `${PROVIDER}: integrity check failed for ${JSON.stringify(details.key)}: the copy holds ${size} bytes with sha256 ${sha256}`,
        details,
        { size: expected.size, sha256: expected.sha256 },
        { size, sha256 },
      );
    }
    await handle.sync();
    return { size, sha256 };
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return fs.stat(path).then(
    () => true,
    () => false,
  );
}

async function fsyncPath(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await fs.open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
