import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageBackend } from '@daedalus/storage';
import { ManifestFile } from '../backup/manifest';
import { OperationRejectedError } from '../executors/executor';

export interface DownloadItem {
  file: ManifestFile;
  /** where the verified file ends up */
  path: string;
}

export interface DownloadOptions {
  concurrency: number;
  signal: AbortSignal;
  onProgress: (doneBytes: number, totalBytes: number) => void;
}

/** Keeps this much space free on the staging filesystem, for Cassandra's own needs. */
const HEADROOM_BYTES = 256 * 1024 * 1024;

async function exists(path: string, size: number): Promise<boolean> {
  try {
    return (await stat(path)).size === size;
  } catch {
    return false;
  }
}

/**
 * Downloads into place, verifying size and sha256 of every file as it streams (a `.part` file is renamed to
 * its name only once verified, so a file under its final name is known good). A re-run fetches only what is
 * missing. Free space is checked before the first byte.
 */
export async function downloadFiles(backend: StorageBackend, items: DownloadItem[], options: DownloadOptions): Promise<{ fetchedBytes: number; fetchedFiles: number }> {
  const missing: DownloadItem[] = [];
  for (const item of items) if (!(await exists(item.path, item.file.size))) missing.push(item);
  const total = missing.reduce((sum, item) => sum + item.file.size, 0);
  if (missing.length > 0) {
    await mkdir(dirname(missing[0].path), { recursive: true });
    const fs = await statfs(dirname(missing[0].path));
    const free = fs.bavail * fs.bsize;
    if (free < total + HEADROOM_BYTES) {
      throw new OperationRejectedError(`not enough free disk space at ${dirname(missing[0].path)}: ${total} bytes to download, ${free} free`);
    }
  }
  let done = 0;
  options.onProgress(0, total);
  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      options.signal.throwIfAborted();
      const item = missing[next++];
      await mkdir(dirname(item.path), { recursive: true });
      const part = `${item.path}.part`;
      const source = await backend.get(item.file.key, { expected: { size: item.file.size, sha256: item.file.sha256 } });
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          done += chunk.length;
          options.onProgress(done, total);
          callback(null, chunk);
        },
      });
      try {
        await pipeline(source, counter, createWriteStream(part), { signal: options.signal });
      } catch (error) {
        await rm(part, { force: true });
        throw error;
      }
      await rename(part, item.path);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, missing.length)) }, worker));
  return { fetchedBytes: total, fetchedFiles: missing.length };
}

export const downloadPath = (dir: string, file: ManifestFile) => join(dir, file.name);
