import { Inject, Optional } from '@nestjs/common';
import { CommitLogRestoreRequest, restorePointInTime } from '@daedalus/contracts';
import { CassandraNode } from '../../cassandra/cassandra-node';
import { NodeIdentity } from '../../registration/node-identity';
import { nodeStorageLocation, openRequestBackend } from '../../repository/request-storage';
import { ExecutionContext, OperationExecutor, OperationRejectedError } from '../executor';
import { OperationExecutorFor, RESTORE_SETTINGS } from '../executor-discovery';
import { nodeIsDown } from '../restore/in-place';
import { RestoreSettings } from '../restore/restore.executor';
import { commitLogNodePath } from './segment-store';
import { chooseSegments, downloadSegments, writeReplayProperties } from './replay-preparation';

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
 * (docs/design.md, "Commit-log backup and restore"): chooses the segments (refusing a gap or an archive that
 * does not reach the end), downloads them verified into a directory of their own, then rewrites
 * commitlog_archiving.properties with the old file kept aside. Nothing is changed on the node before the
 * choice stands.
 */
@OperationExecutorFor('commitlog-restore')
export class CommitLogRestoreExecutor implements OperationExecutor<CommitLogRestoreRequest> {
  readonly type = 'commitlog-restore' as const;

  constructor(
    private readonly node: CassandraNode,
    private readonly identity: NodeIdentity,
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
    const backend = await this.openBackend(location, { ...request, createMissingBucket: false });
    try {
      const entries = await chooseSegments(backend, commitLogNodePath(location), request.timestampStart ?? 0, endMs);
      await context.progress(0.05, `${entries.length} segment(s) chosen`);
      const { restoreDirectory, downloadedBytes } = await downloadSegments(backend, entries, {
        base: request.commitlogDownloadDir ?? this.identity.roots.staging[0],
        operationId: context.operationId,
        concurrency: request.concurrentConnections ?? 10,
        // Icarus `timeout` (hours) bounds the download, as it does a restore's DOWNLOAD
        signal: request.timeout ? AbortSignal.any([context.signal, AbortSignal.timeout(request.timeout * 3600_000)]) : context.signal,
        reserveBytes: this.settings.reserveBytes,
        onProgress: (fraction) => void context.progress(0.05 + 0.85 * fraction).catch(() => undefined),
      });
      await this.requireStopped();
      const configDir = request.cassandraConfigDirectory ?? this.settings.configDir;
      const { file, keptAs } = await writeReplayProperties(configDir, restoreDirectory, endMs, context.operationId);
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
}
