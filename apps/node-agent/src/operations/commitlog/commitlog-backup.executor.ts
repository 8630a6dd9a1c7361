import { Inject, Optional } from '@nestjs/common';
import { CommitLogBackupRequest, CommitLogLayout, IndexedSegment } from '@daedalus/contracts';
import { Clock } from '@daedalus/common';
import { StorageBackend } from '@daedalus/storage';
import { localFileSystem } from '../../adapters/filesystem';
import { NodeIdentity } from '../../registration/node-identity';
import { InFlightUploads } from '../../repository/in-flight-uploads';
import { bandwidthBytesPerSecond, nodeStorageLocation, openRequestBackend, parseDurationMs } from '../../repository/request-storage';
import { uploadSnapshot, UploadItem, UploadOutcome } from '../../repository/uploader';
import { sha256OfFile } from '../../repository/downloader';
import { ClientEncryption } from '../../repository/encryption';
import { DurationPacer } from '../backup/duration-pacer';
import { uploadProgress } from '../backup/upload-progress';
import { ExecutionContext, OperationExecutor, OperationRejectedError } from '../executor';
import { OperationExecutorFor, RESTORE_SETTINGS } from '../executor-discovery';
import { RestoreSettings } from '../restore/restore.executor';
import { commitLogNodePath, listIndexedSegments, readIndexEntry, writeIndexEntry } from './segment-store';
import { LocalSegment, localSegments } from './local-segments';

/** What a commitlog-backup reports for its node (the record's `response`). */
export interface CommitLogBackupResult {
  /** where this node's commit logs are, relative to the bucket */
  prefix: string;
  /** segments found on the node */
  segments: number;
  uploadedSegments: number;
  uploadedBytes: number;
  /** already in the store with the same name, size and sha256: neither uploaded nor indexed again */
  alreadyStored: number;
  /** archived files deleted after their upload was verified (`deleteUploadedSegments`) */
  deletedFromArchive: number;
  /** the newest segment now in the store and its last write bound, or absent when there is none */
  newest?: { id: number; lastModified: string };
}

/**
 * Uploads this node's archived commit-log segments (docs/design.md, "Commit-log backup"): each once — a
 * segment the index already lists is only checked (size and sha256 of the local file against the entry), a
 * new one is hashed while it streams, verified in the store, then indexed (its commit point); the archived
 * file is deleted afterwards only when the request asks.
 */
@OperationExecutorFor('commitlog-backup')
export class CommitLogBackupExecutor implements OperationExecutor<CommitLogBackupRequest> {
  readonly type = 'commitlog-backup' as const;

  constructor(
    private readonly identity: NodeIdentity,
    private readonly inFlight: InFlightUploads,
    private readonly clock: Clock,
    @Inject(RESTORE_SETTINGS) private readonly settings: RestoreSettings,
    @Optional() private readonly openBackend: typeof openRequestBackend = openRequestBackend,
    @Optional() private readonly encryption: ClientEncryption = ClientEncryption.none,
  ) {}

  async execute(request: CommitLogBackupRequest, context: ExecutionContext): Promise<CommitLogBackupResult> {
    if (this.encryption.key) {
      throw new OperationRejectedError(
        'commitlog-backup: this agent encrypts backups (client-side encryption), which commit-log backups do not support yet',
      );
    }
    const location = nodeStorageLocation(request);
    const node = commitLogNodePath(location);
    const segments = await localSegments(request, {
      configDir: this.settings.configDir,
      cassandraHome: this.settings.cassandraHome,
      commitLogRoots: this.identity.roots.commitLog,
    });
    await context.progress(0.01, `${segments.length} segment(s) found`);
    const signal = request.timeout ? AbortSignal.any([context.signal, AbortSignal.timeout(request.timeout * 3600_000)]) : context.signal;
    const pacer = request.duration
      ? new DurationPacer(this.clock.now().getTime() + parseDurationMs(request.duration), bandwidthBytesPerSecond(request.bandwidth), () =>
          this.clock.now().getTime(),
        )
      : undefined;
    const backend = await this.openBackend(location, request, pacer?.bucket);
    try {
      const indexed = new Map((await listIndexedSegments(backend, node)).map((s) => [s.id, s]));
      const stored = await this.alreadyStored(backend, node, segments, indexed, signal);
      const fresh = segments.filter((s) => !stored.has(s.id));
      const outcomes = await this.upload(backend, node, fresh, request, signal, context, pacer);
      for (const segment of fresh) {
        signal.throwIfAborted();
        const key = CommitLogLayout.segment(node, segment.name);
        const outcome = outcomes.get(key);
        if (!outcome) throw new Error(`no upload outcome for ${segment.path}`);
        await this.verifyStored(backend, key, outcome);
        const now = await localFileSystem.stat(segment.path);
        if (now?.size !== segment.size || now.mtimeMs !== segment.mtimeMs) {
          // archive_command (a cp) was still writing it: what was uploaded may be a prefix, so it is not indexed
          throw new Error(`${segment.path} changed while it was uploaded (still being archived?): not indexed; run the backup again`);
        }
        await writeIndexEntry(backend, node, {
          name: segment.name,
          version: segment.version,
          id: segment.id,
          key,
          size: outcome.size,
          sha256: outcome.sha256,
          lastModified: new Date(segment.mtimeMs).toISOString(),
          lastModifiedMs: Math.trunc(segment.mtimeMs),
          source: segment.source,
          uploadedAt: this.clock.now().toISOString(),
        });
      }
      const after = await listIndexedSegments(backend, node);
      const missing = segments.filter((s) => !after.some((i) => i.id === s.id && i.objectPresent));
      if (missing.length > 0) throw new Error(`segments not in the store after the upload: ${missing.map((s) => s.name).join(', ')}`);
      const deleted = request.deleteUploadedSegments && request.commitLog === undefined ? await this.deleteArchived(segments) : 0;
      const newest = after[after.length - 1];
      const uploaded = [...outcomes.values()].filter((o) => o.uploaded);
      await context.progress(1, `${uploaded.length} segment(s) uploaded, ${stored.size} already stored`);
      return {
        prefix: CommitLogLayout.prefix(node),
        segments: segments.length,
        uploadedSegments: uploaded.length,
        uploadedBytes: uploaded.reduce((sum, o) => sum + o.size, 0),
        alreadyStored: stored.size,
        deletedFromArchive: deleted,
        ...(newest ? { newest: { id: newest.id, lastModified: new Date(newest.lastModifiedMs).toISOString() } } : {}),
      };
    } finally {
      await backend.close();
    }
  }

  /**
   * The local segments the store already holds: indexed under the same id, with the same size and sha256
   * (the local file is hashed to know). A same-named segment with other bytes is refused: objects are never
   * overwritten, and two different segments under one name mean something else wrote to the archive.
   */
  private async alreadyStored(
    backend: StorageBackend,
    node: ReturnType<typeof commitLogNodePath>,
    segments: LocalSegment[],
    indexed: Map<number, IndexedSegment>,
    signal: AbortSignal,
  ): Promise<Set<number>> {
    const stored = new Set<number>();
    for (const segment of segments) {
      signal.throwIfAborted();
      const entry = indexed.get(segment.id);
      if (!entry?.objectPresent) continue;
      const doc = await readIndexEntry(backend, node, entry);
      const sha256 = doc.size === segment.size ? await sha256OfFile(localFileSystem, segment.path) : undefined;
      if (doc.name !== segment.name || sha256 !== doc.sha256) {
        throw new OperationRejectedError(
          `${segment.path} differs from the segment the store holds under ${doc.key} (size ${segment.size} vs ${doc.size}` +
            `${sha256 ? `, sha256 ${sha256} vs ${doc.sha256}` : ''}): not overwriting it`,
        );
      }
      stored.add(segment.id);
    }
    return stored;
  }

  private async upload(
    backend: StorageBackend,
    node: ReturnType<typeof commitLogNodePath>,
    fresh: LocalSegment[],
    request: CommitLogBackupRequest,
    signal: AbortSignal,
    context: ExecutionContext,
    pacer: DurationPacer | undefined,
  ): Promise<Map<string, UploadOutcome>> {
    const items: UploadItem[] = fresh.map((segment) => ({
      file: { path: segment.path, name: segment.name, size: segment.size, sstableDir: '' },
      key: CommitLogLayout.segment(node, segment.name),
    }));
    pacer?.start(items.reduce((sum, i) => sum + i.file.size, 0));
    return uploadSnapshot(backend, items, {
      prefix: CommitLogLayout.segmentsPrefix(node),
      concurrency: request.concurrentConnections ?? 10,
      signal,
      known: new Map(),
      inFlight: this.inFlight,
      onProgress: uploadProgress(context, this.clock, pacer, 0.95),
    });
  }

  /** The object is in the store with the size and hash the upload measured (before the index names it). */
  private async verifyStored(backend: StorageBackend, key: string, outcome: UploadOutcome): Promise<void> {
    const info = await backend.stat(key);
    if (!info || info.size !== outcome.size || (info.sha256 !== undefined && info.sha256 !== outcome.sha256)) {
      throw new Error(`${key} is not in the store as uploaded (expected ${outcome.size} bytes, sha256 ${outcome.sha256})`);
    }
  }

  /** Archived files whose segment is now indexed and present; never a file of the live commit log directory. */
  private async deleteArchived(segments: LocalSegment[]): Promise<number> {
    let deleted = 0;
    for (const segment of segments.filter((s) => s.source === 'archive')) {
      await localFileSystem.remove(segment.path);
      deleted++;
    }
    return deleted;
  }
}
