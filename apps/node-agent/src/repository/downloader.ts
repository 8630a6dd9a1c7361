import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageBackend } from '@daedalus/storage';
import { ManifestFile } from './manifest';
import { mapConcurrent } from '@daedalus/common';
import { OperationRejectedError } from '../operations/executor';
import { FileSystem, localFileSystem } from '../adapters/filesystem';
import { DecryptStream, EncryptionKey } from './encryption';
import { joinFileName } from '../paths/manifest-names';
import { storedOf } from './manifest';
import { asCompressionError, decompressing } from './compression';

export interface DownloadItem {
  file: ManifestFile;
  /** where the verified file ends up */
  path: string;
}

export interface DownloadOptions {
  concurrency: number;
  signal: AbortSignal;
  onProgress: (doneBytes: number, totalBytes: number) => void;
  /** bytes to leave free on every filesystem written to (default DEFAULT_RESERVE_BYTES) */
  reserveBytes?: number;
  /** re-hash files already under their final name instead of trusting their size */
  verifyExisting?: boolean;
  /** where the files are written (the local filesystem unless a test says otherwise) */
  fs?: FileSystem;
  /** opens the encrypted objects (files with `stored`); without it they fail, naming the key they need */
  encryption?: EncryptionKey;
}

/**
 * Counts the bytes that pass, for progress. Chunks pass as they came (no copy): the file's write stream gathers
 * those that arrive while a write is in flight into one writev.
 */
function counting(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
}

/** Default space left free on every filesystem a restore writes to, for Cassandra's own needs. */
export const DEFAULT_RESERVE_BYTES = 256 * 1024 * 1024;

export async function sha256OfFile(fs: FileSystem, path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.openRead(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A file under its final name is only ever written by us after verification, so its size is proof enough;
 * `verifyExisting` re-hashes it instead, for directories we do not own (IN_PLACE: a rebuilt node may have
 * reused an SSTable generation, and a same-named file of the same size need not hold the same bytes).
 */
async function alreadyThere(fs: FileSystem, item: DownloadItem, verifyExisting: boolean): Promise<boolean> {
  const info = await fs.stat(item.path).catch(() => undefined);
  if (info?.size !== item.file.size) return false;
  return !verifyExisting || (await sha256OfFile(fs, item.path)) === item.file.sha256;
}

/** One filesystem a download writes to: what it would write there and what is free now. */
export interface FilesystemNeed {
  /** the first directory written to on it (or its nearest existing ancestor's path, when it does not exist yet) */
  dir: string;
  device: number;
  downloadBytes: number;
  freeBytes: number;
}

/** The nearest existing directory at or above `dir`: where a directory not made yet will live. */
async function nearestExisting(fs: FileSystem, dir: string): Promise<string> {
  for (let current = dir; ; current = dirname(current)) {
    if ((await fs.stat(current))?.isDirectory) return current;
    if (dirname(current) === current) throw new Error(`no directory exists above ${dir}`);
  }
}

/**
 * What a download would do, without writing anything: the items not already there under their final name, and
 * per filesystem (grouped by device: data directories often sit on different disks) the bytes it would write
 * and the bytes free now. A directory not made yet counts on the filesystem of its nearest existing ancestor.
 */
export async function planDownload(
  fs: FileSystem,
  items: DownloadItem[],
  verifyExisting = false,
): Promise<{ missing: DownloadItem[]; filesystems: FilesystemNeed[] }> {
  const missing: DownloadItem[] = [];
  for (const item of items) if (!(await alreadyThere(fs, item, verifyExisting))) missing.push(item);
  const byDevice = new Map<number, { dir: string; bytes: number }>();
  const deviceOf = new Map<string, number>();
  for (const item of missing) {
    const dir = dirname(item.path);
    let device = deviceOf.get(dir);
    if (device === undefined) {
      const existing = await nearestExisting(fs, dir);
      device = (await fs.stat(existing))?.device;
      if (device === undefined) throw new Error(`${existing} vanished while the restore checked free space`);
      deviceOf.set(dir, device);
    }
    const need = byDevice.get(device) ?? { dir, bytes: 0 };
    need.bytes += item.file.size;
    byDevice.set(device, need);
  }
  const filesystems: FilesystemNeed[] = [];
  for (const [device, { dir, bytes }] of byDevice) {
    filesystems.push({ dir, device, downloadBytes: bytes, freeBytes: await fs.freeBytes(await nearestExisting(fs, dir)) });
  }
  return { missing, filesystems };
}

/**
 * A filesystem that would be left with less than `reserveBytes` free, as the message that refuses the download;
 * `freedBytes`: what the restore removes there first (IN_PLACE's stray files).
 */
export function freeSpaceProblem(need: FilesystemNeed, reserveBytes: number, freedBytes = 0): string | undefined {
  return need.freeBytes + freedBytes < need.downloadBytes + reserveBytes
    ? `not enough free disk space at ${need.dir}: ${need.downloadBytes} bytes to download and ${reserveBytes} to keep free, but ${need.freeBytes} bytes free`
    : undefined;
}

/**
 * Downloads into place, verifying size and sha256 of every file as it streams (a `.part` file is renamed to
 * its name only once verified, so a file under its final name is known good). A re-run fetches only what is
 * missing. Free space is checked before the first byte.
 */
export async function downloadFiles(
  backend: StorageBackend,
  items: DownloadItem[],
  options: DownloadOptions,
): Promise<{ fetchedBytes: number; fetchedFiles: number }> {
  const fs = options.fs ?? localFileSystem;
  const { missing, filesystems } = await planDownload(fs, items, options.verifyExisting ?? false);
  const total = missing.reduce((sum, item) => sum + item.file.size, 0);
  // refused before the first byte when any filesystem written to would be left with less than the reserve
  for (const need of filesystems) {
    const problem = freeSpaceProblem(need, options.reserveBytes ?? DEFAULT_RESERVE_BYTES);
    if (problem) throw new OperationRejectedError(problem);
  }
  let done = 0;
  options.onProgress(0, total);
  await mapConcurrent(missing, options.concurrency, options.signal, async (item) => {
    await fs.makeDirectory(dirname(item.path));
    const part = `${item.path}.part`;
    const { key, size, sha256, stored, compressed } = item.file;
    // an encrypted object is verified twice: its stored bytes against the manifest, then its plaintext as it is opened;
    // a compressed one once more: the decompressed bytes against the file's size and sha256
    const source = await backend.get(key, { expected: storedOf(item.file) });
    const decrypt = stored ? [new DecryptStream(options.encryption, { object: key, expected: compressed ?? { size, sha256 } })] : [];
    const decompress = compressed ? decompressing({ size, sha256 }, key) : [];
    const counter = counting((n) => {
      done += n;
      options.onProgress(done, total);
    });
    try {
      await pipeline([source, ...decrypt, ...decompress, counter, fs.openWrite(part)], { signal: options.signal });
    } catch (error) {
      await fs.remove(part);
      throw asCompressionError(error, key);
    }
    await fs.rename(part, item.path);
  });
  return { fetchedBytes: total, fetchedFiles: missing.length };
}

/** Where a manifest file goes in `dir`: its name is checked again here, at the join (a name with `..` never reaches a path). */
export const downloadPath = (dir: string, file: ManifestFile) => joinFileName(dir, file.name);
