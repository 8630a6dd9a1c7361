import { Inject, Optional } from '@nestjs/common';
import { join } from 'node:path';
import {
  ARCHIVING_PROPERTIES_FILE,
  CommitLogRestoreRequest,
  parseArchivingProperties,
  replayProperties,
  restorePointInTime,
  SegmentIndexEntry,
  selectSegments,
} from '@daedalus/contracts';
import { localFileSystem as fs, errorCode } from '../../adapters/filesystem';
import { CassandraNode } from '../../cassandra/cassandra-node';
import { NodeRegistrationService } from '../../registration/node-registration.service';
import { downloadFiles } from '../../repository/downloader';
import { nodeStorageLocation, openRequestBackend } from '../../repository/request-storage';
import { ExecutionContext, OperationExecutor, OperationRejectedError } from '../executor';
import { OperationExecutorFor, RESTORE_SETTINGS } from '../executor-discovery';
import { nodeIsDown } from '../restore/in-place';
import { RestoreSettings } from '../restore/restore.executor';
import { commitLogNodePath, listIndexedSegments, readIndexEntry } from './segment-store';

/** How Cassandra copies a downloaded segment into its commit log directory at start (its own documented example). */
export const RESTORE_COMMAND = '/bin/cp -f %from %to';

/** What a commitlog-restore reports for its node. */
export interface CommitLogRestoreResult {
  /** the directory holding exactly the downloaded segments: commitlog_archiving.properties' restore_directories */
  restoreDirectory: string;
  propertiesFile: string;
  /** where the file as it was before is kept (absent when there was none) */
  previousPropertiesKeptAs?: string;
  /** restore_point_in_time as written (GMT) */
  restorePointInTime: string;
  segments: Array<{ name: string; id: number; size: number; lastModified: string }>;
  downloadedBytes: number;
  nextSteps: string;
}

/**
 * Prepares a stopped node to replay archived commit logs up to `timestampEnd` at its next start
 * (docs/design.md, "Commit-log restore"): chooses the segments (refusing a gap or an archive that does not reach
 * the end), downloads them verified into a directory of their own, then rewrites commitlog_archiving.properties
 * with the old file kept aside. Nothing is changed on the node before the choice stands.
 */
@OperationExecutorFor('commitlog-restore')
export class CommitLogRestoreExecutor implements OperationExecutor<CommitLogRestoreRequest> {
  readonly type = 'commitlog-restore' as const;

  constructor(
    private readonly node: CassandraNode,
    private readonly identity: NodeRegistrationService,
    @Inject(RESTORE_SETTINGS) private readonly settings: RestoreSettings,
    @Optional() private readonly openBackend: typeof openRequestBackend = openRequestBackend,
  ) {}

  async execute(request: CommitLogRestoreRequest, context: ExecutionContext): Promise<CommitLogRestoreResult> {
    await this.requireStopped();
    const endMs = request.timestampEnd;
    const point = endMs === undefined ? undefined : restorePointInTime(endMs);
    if (endMs === undefined || point === undefined)
      throw new OperationRejectedError('timestampEnd: a whole second (ms since the epoch) is required');
    const location = nodeStorageLocation(request);
    const node = commitLogNodePath(location);
    const backend = await this.openBackend(location, { ...request, createMissingBucket: false });
    try {
      const selection = selectSegments(await listIndexedSegments(backend, node), request.timestampStart ?? 0, endMs);
      if (!selection.ok) throw new OperationRejectedError(`commitlog-restore: ${selection.message}; nothing was changed`);
      const entries: SegmentIndexEntry[] = [];
      for (const indexed of selection.segments) entries.push(await readIndexEntry(backend, node, indexed));
      await context.progress(0.05, `${entries.length} segment(s) chosen`);

      const base = request.commitlogDownloadDir ?? this.identity.roots.staging[0];
      const restoreDirectory = join(base, `commitlog-${context.operationId}`);
      const partial = join(base, `.commitlog-${context.operationId}.partial`);
      if (/[,\\\s]/.test(restoreDirectory)) {
        throw new OperationRejectedError(
          `commitlogDownloadDir: ${base} holds a comma, backslash or space, which restore_directories cannot carry`,
        );
      }
      let downloadedBytes = 0;
      if ((await fs.stat(restoreDirectory))?.isDirectory !== true) {
        const fetched = await downloadFiles(
          backend,
          entries.map((e) => ({ file: { key: e.key, name: e.name, size: e.size, sha256: e.sha256 }, path: join(partial, e.name) })),
          {
            concurrency: request.concurrentConnections ?? 10,
            signal: context.signal,
            reserveBytes: this.settings.reserveBytes,
            onProgress: (done, total) => void context.progress(0.05 + 0.85 * (total === 0 ? 1 : done / total)).catch(() => undefined),
          },
        );
        downloadedBytes = fetched.fetchedBytes;
        // the directory Cassandra reads appears whole: it must hold segments only, or Cassandra refuses to start
        await fs.rename(partial, restoreDirectory);
      }
      await this.checkDownloaded(restoreDirectory, entries);

      await this.requireStopped();
      const configDir = request.cassandraConfigDirectory ?? this.settings.configDir;
      const { file, keptAs } = await this.writeProperties(configDir, restoreDirectory, endMs, context.operationId);
      await context.progress(1, `${entries.length} segment(s) ready to replay up to ${point} GMT`);
      return {
        restoreDirectory,
        propertiesFile: file,
        ...(keptAs ? { previousPropertiesKeptAs: keptAs } : {}),
        restorePointInTime: point,
        segments: entries.map((e) => ({ name: e.name, id: e.id, size: e.size, lastModified: e.lastModified })),
        downloadedBytes,
        nextSteps:
          `Start Cassandra on this node: it copies the ${entries.length} segment(s) from ${restoreDirectory} into its commit log directory ` +
          `and replays the writes up to ${point} GMT. Once it is up, put back ${keptAs ?? 'an empty restore_directories and restore_point_in_time'} ` +
          `in ${file}, or a later restart replays these segments again.`,
      };
    } finally {
      await backend.close();
    }
  }

  private async requireStopped(): Promise<void> {
    if (!(await nodeIsDown(this.node))) {
      throw new OperationRejectedError(
        'commitlog-restore needs Cassandra stopped: the node answers over JMX, and a running node reads commitlog_archiving.properties only at start; stop it (nodetool drain, then stop the service) and retry',
      );
    }
  }

  /** Exactly the chosen segments, at their sizes (each was hashed as it was downloaded). */
  private async checkDownloaded(dir: string, entries: SegmentIndexEntry[]): Promise<void> {
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

  /** The new file, written atomically and read back; the previous one copied aside first (never deleted). */
  private async writeProperties(
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
        if (errorCode(error) !== 'EEXIST') throw error; // a redelivered command: the first copy is the previous file
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
}
