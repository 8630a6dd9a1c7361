import { join } from 'node:path';
import {
  ARCHIVING_PROPERTIES_FILE,
  CommitLogNodePath,
  parseArchivingProperties,
  replayProperties,
  restorePointInTime,
  SegmentIndexEntry,
  selectSegments,
} from '@daedalus/contracts';
import { StorageBackend } from '@daedalus/storage';
import { errorCode, localFileSystem as fs } from '../../adapters/filesystem';
import { downloadFiles } from '../../repository/downloader';
import { OperationRejectedError } from '../executor';
import { listIndexedSegments, readIndexEntry } from './segment-store';

/**
 * The steps that prepare a stopped node to replay archived commit logs, each usable on its own: a
 * commitlog-restore runs them in order, and a point-in-time restore of a cluster can run them after putting a
 * backup back in place (docs/design.md, "Commit-log backup and restore").
 */

/** How Cassandra copies a downloaded segment into its commit log directory at start (its own documented example). */
export const RESTORE_COMMAND = '/bin/cp -f %from %to';

/** The index entries of the segments holding the writes of `startMs`..`endMs`; refused (nothing read) on a gap. */
export async function chooseSegments(
  backend: StorageBackend,
  node: CommitLogNodePath,
  startMs: number,
  endMs: number,
): Promise<SegmentIndexEntry[]> {
  const selection = selectSegments(await listIndexedSegments(backend, node), startMs, endMs);
  if (!selection.ok) throw new OperationRejectedError(`commitlog-restore: ${selection.message}; nothing was changed`);
  const entries: SegmentIndexEntry[] = [];
  for (const indexed of selection.segments) entries.push(await readIndexEntry(backend, node, indexed));
  return entries;
}

export interface SegmentDownload {
  /** the directory under which the segments' own directory is made (commitlogDownloadDir, or a staging root) */
  base: string;
  operationId: string;
  concurrency: number;
  signal: AbortSignal;
  reserveBytes: number;
  onProgress: (fraction: number) => void;
}

/**
 * Downloads the segments (sha256 verified while streaming) into `<base>/.commitlog-<op>.partial/`, then renames
 * it whole to `<base>/commitlog-<op>/`: Cassandra refuses to start on any other file in restore_directories.
 * A directory already there from an earlier delivery of the same operation is checked, not downloaded again.
 */
export async function downloadSegments(
  backend: StorageBackend,
  entries: SegmentIndexEntry[],
  options: SegmentDownload,
): Promise<{ restoreDirectory: string; downloadedBytes: number }> {
  const restoreDirectory = join(options.base, `commitlog-${options.operationId}`);
  const partial = join(options.base, `.commitlog-${options.operationId}.partial`);
  if (/[,\\\s]/.test(restoreDirectory)) {
    throw new OperationRejectedError(
      `commitlogDownloadDir: ${options.base} holds a comma, backslash or space, which restore_directories cannot carry`,
    );
  }
  let downloadedBytes = 0;
  if ((await fs.stat(restoreDirectory))?.isDirectory !== true) {
    const fetched = await downloadFiles(
      backend,
      entries.map((e) => ({ file: { key: e.key, name: e.name, size: e.size, sha256: e.sha256 }, path: join(partial, e.name) })),
      {
        concurrency: options.concurrency,
        signal: options.signal,
        reserveBytes: options.reserveBytes,
        onProgress: (done, total) => options.onProgress(total === 0 ? 1 : done / total),
      },
    );
    downloadedBytes = fetched.fetchedBytes;
    await fs.makeDirectory(partial); // no segment at all still makes an (empty) directory to point at
    await fs.rename(partial, restoreDirectory);
  }
  await checkDownloaded(restoreDirectory, entries);
  return { restoreDirectory, downloadedBytes };
}

/** Exactly the chosen segments, at their sizes (each was hashed as it was downloaded). */
async function checkDownloaded(dir: string, entries: SegmentIndexEntry[]): Promise<void> {
  const names = (await fs.listExisting(dir)).map((e) => e.name).sort();
  const expected = entries.map((e) => e.name).sort();
  if (names.join('\n') !== expected.join('\n')) {
    throw new Error(`${dir} holds ${names.join(', ') || 'nothing'}, not the chosen segments ${expected.join(', ')}`);
  }
  for (const entry of entries) {
    const size = (await fs.stat(join(dir, entry.name)))?.size;
    if (size !== entry.size) throw new Error(`${join(dir, entry.name)} has ${size} bytes, the store's segment ${entry.size}`);
  }
}

/**
 * Rewrites `<configDir>/commitlog_archiving.properties` for the replay, atomically, and reads it back; the
 * previous file is copied aside first (`.before-<operationId>`, never deleted; a redelivery keeps the first copy).
 */
export async function writeReplayProperties(
  configDir: string,
  restoreDirectory: string,
  endMs: number,
  operationId: string,
): Promise<{ file: string; keptAs?: string }> {
  const file = join(configDir, ARCHIVING_PROPERTIES_FILE);
  const previous = await fs.readTextIfExists(file);
  let keptAs: string | undefined;
  if (previous !== undefined) {
    keptAs = `${file}.before-${operationId}`;
    try {
      await fs.copy(file, keptAs);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
  }
  const kept = keptAs === undefined ? undefined : await fs.readText(keptAs);
  const text = replayProperties(kept ?? previous, { restoreDirectory, pointInTimeMs: endMs, restoreCommand: RESTORE_COMMAND });
  await fs.replaceDurably(file, text);
  const written = parseArchivingProperties(await fs.readText(file));
  if (written.get('restore_directories') !== restoreDirectory || written.get('restore_point_in_time') !== restorePointInTime(endMs)) {
    throw new Error(`${file} does not read back as written`);
  }
  return { file, keptAs };
}
