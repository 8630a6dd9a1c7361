import { Logger, Optional } from '@nestjs/common';
import { Readable } from 'node:stream';
import {
  BACKUP_COMPRESSION_LEVELS,
  BackupContext,
  BackupProtocol,
  backupProtocol,
  BackupRequest,
  BackupSnapshotResult,
  BackupUploadResult,
} from '@daedalus/contracts';
import { Clock, errorMessage, processMetrics, recordTransfer } from '@daedalus/common';
import { StorageBackend, StorageLocation } from '@daedalus/storage';
import { CassandraNode } from '../../cassandra/cassandra-node';
import { CassandraSnapshots } from '../../cassandra/snapshots';
import { ExecutionContext, OperationRejectedError, isPausedStop } from '../executor';
import { PhaseContext, PhasedExecutor, PhaseHandlers } from '../phased-executor';
import { NodeIdentity } from '../../registration/node-identity';
import { BackupLayout, NodePath } from '../../repository/backup-layout';
import { resolveBackupScope } from './backup-entities';
import { InFlightUploads } from '../../repository/in-flight-uploads';
import { BackupLease } from '../../repository/backup-lease';
import {
  BackupTotals,
  ClusterBackupRecord,
  MANIFEST_SCHEMA_VERSION,
  ManifestTable,
  ManifestCompression,
  NodeManifest,
  storedOf,
  summarise,
  sumTotals,
} from '../../repository/manifest';
import { ManifestCache, readNodeManifest } from '../../repository/manifest-store';
import { bandwidthBytesPerSecond, nodeStorageLocation, openRequestBackend, parseDurationMs } from '../../repository/request-storage';
import { DurationPacer } from './duration-pacer';
import { uploadProgress } from './upload-progress';
import { listSnapshot } from '../../cassandra/snapshot-files';
import { uploadSnapshot, UploadItem } from '../../repository/uploader';
import { OperationExecutorFor } from '../executor-discovery';
import { ClientEncryption } from '../../repository/encryption';

/** Everything one phase of one backup works with. */
interface BackupJob {
  backend: StorageBackend;
  location: StorageLocation;
  request: BackupRequest;
  backupName: string;
  coordination: BackupContext | undefined;
  context: ExecutionContext;
  /** `duration`: the upload's pace */
  pacer?: DurationPacer;
}

/**
 * Backs up this node: snapshot over JMX, upload what the store lacks, write the manifest last (the commit
 * point), clear the snapshot — also when anything failed. A global backup's COMMIT phase runs on one node:
 * it checks every participant's manifest and writes the topology and the cluster record.
 */
@OperationExecutorFor('backup')
export class BackupExecutor extends PhasedExecutor<BackupProtocol> {
  protected readonly protocol = backupProtocol;
  protected readonly phases: PhaseHandlers<BackupProtocol> = {
    // a consistent backup's snapshot, taken while the application is paused; UPLOAD uploads it afterwards
    SNAPSHOT: (request, context) => this.snapshot(request, context.coordination),
    // the upload stops at the request's timeout; `duration` paces it instead (DurationPacer)
    UPLOAD: (request, context) =>
      this.withJob(
        request,
        { ...context, signal: this.deadline(request, context.signal) },
        (job) => this.upload(job, context.results.SNAPSHOT?.[this.identity.current.hostId]),
        this.pacer(request),
      ),
    COMMIT: (request, context) => this.withJob(request, context, (job) => this.commit(job)),
  };
  private readonly logger = new Logger(BackupExecutor.name);

  constructor(
    private readonly node: CassandraNode,
    private readonly snapshots: CassandraSnapshots,
    private readonly identity: NodeIdentity,
    private readonly manifests: ManifestCache,
    private readonly inFlight: InFlightUploads,
    private readonly clock: Clock,
    // tests pass an opener over an in-memory store; Nest has none to give (@Optional), so the default applies
    @Optional() private readonly openBackend: typeof openRequestBackend = openRequestBackend,
    @Optional() private readonly encryption: ClientEncryption = ClientEncryption.none,
  ) {
    super();
  }

  private async withJob<T>(
    request: BackupRequest,
    context: PhaseContext<BackupProtocol>,
    work: (job: BackupJob) => Promise<T>,
    pacer?: DurationPacer,
  ): Promise<T> {
    const location = nodeStorageLocation(request);
    const coordination = context.coordination;
    const backupName = coordination?.backupName ?? `${request.snapshotTag ?? 'autosnap'}-${this.clock.now().getTime()}`;
    const backend = await this.openBackend(location, request, pacer?.bucket);
    try {
      return await work({ backend, location, request, backupName, coordination, context, pacer });
    } finally {
      await backend.close();
    }
  }

  /** Icarus `timeout` (hours) bounds the whole backup. */
  private deadline(request: BackupRequest, signal: AbortSignal): AbortSignal {
    return request.timeout ? AbortSignal.any([signal, AbortSignal.timeout(request.timeout * 3600_000)]) : signal;
  }

  /** Icarus `duration`: the upload is paced to end within it (rate = remaining bytes / remaining time). */
  private pacer(request: BackupRequest): DurationPacer | undefined {
    if (!request.duration) return undefined;
    const deadline = this.clock.now().getTime() + parseDurationMs(request.duration);
    return new DurationPacer(deadline, bandwidthBytesPerSecond(request.bandwidth), () => this.clock.now().getTime());
  }

  private nodePath(location: StorageLocation): NodePath {
    const [cluster, dc, hostId] = location.path;
    return { cluster, dc, hostId };
  }

  /**
   * SNAPSHOT (consistent backups): only the snapshot, kept for UPLOAD. It is taken in the same way as an
   * ordinary backup's, so the two cannot differ in what they hold; a repeated command finds it taken.
   */
  private async snapshot(request: BackupRequest, coordination: BackupContext | undefined): Promise<BackupSnapshotResult> {
    if (!coordination) throw new OperationRejectedError("a SNAPSHOT phase needs the coordinator's context (the backup name)");
    const scope = await resolveBackupScope(this.node, request.entities);
    const startedAt = this.clock.now().toISOString();
    const fresh = await this.snapshots.take(coordination.backupName, scope.snapshotEntities, false);
    return { backupName: coordination.backupName, startedAt, takenAt: this.clock.now().toISOString(), fresh };
  }

  /**
   * Uploads snapshot `backupName`: taken here for an ordinary backup; for a consistent one (`taken`) the
   * SNAPSHOT phase took it, and it is never taken again here (a new one would not be consistent with the others).
   */
  private async upload(
    { backend, location, request, backupName, coordination, context, pacer }: BackupJob,
    taken?: BackupSnapshotResult,
  ): Promise<BackupUploadResult> {
    const path = this.nodePath(location);
    const manifestKey = BackupLayout.manifest(path, backupName);
    const existing = await backend.stat(manifestKey);
    if (existing) {
      // A redelivered command whose backup already committed: report it, do not take it again.
      const manifest = await readNodeManifest(backend, manifestKey);
      await this.index(backend, path, manifest, manifestKey);
      return { backupName, manifest: manifestKey, totals: manifest.totals };
    }
    const registration = this.identity.current;
    const scope = await resolveBackupScope(this.node, request.entities);
    const startTime = taken?.startedAt ?? this.clock.now().toISOString();
    const cassandraSchemaVersion = await this.node.schemaVersion();
    const fresh = taken ? false : await this.snapshots.take(backupName, scope.snapshotEntities, false);
    if (!fresh && !taken) this.logger.log(`snapshot ${backupName} already existed (repeated command): backing it up`);
    let lease: BackupLease | undefined;
    try {
      // before the store is read for what it holds: a removal sweeping this node sees the lease, or is waited for
      lease = await BackupLease.acquire(
        backend,
        path,
        { operationId: context.operationId, holder: registration.hostId, backupName },
        this.clock,
        context.signal,
        (message) => void context.progress(0, message).catch(() => undefined),
      );
      const tables = await listSnapshot(registration.dataDirectories, backupName, scope.tables);
      if (taken && tables.length === 0 && scope.tables.length > 0) {
        throw new OperationRejectedError(`snapshot ${backupName} taken in phase SNAPSHOT is no longer on this node (cleared?)`);
      }
      const keyId = this.encryption.key?.id;
      const compression = compressionOf(request);
      const items: UploadItem[] = tables.flatMap((t) =>
        t.files.map((file) => ({
          file,
          key: BackupLayout.dataFile(
            path,
            t.keyspace,
            `${t.table}-${t.tableId}`,
            file.sstableDir,
            file.name.split('/').pop() ?? file.name,
            keyId,
          ),
        })),
      );
      const keyOf = new Map(items.map((item) => [item.file, item.key]));
      // With a KMS key an earlier backup's objects are reused only when the store says they are encrypted with
      // it (the backend's stat withholds their hash otherwise): the manifests cannot tell.
      const known = request.kmsKeyId ? new Map() : await this.manifests.knownObjects(backend, path);
      pacer?.start(items.reduce((sum, i) => sum + i.file.size, 0));
      const outcomes = await uploadSnapshot(backend, items, {
        prefix: BackupLayout.dataPrefix(path, keyId),
        encryption: this.encryption.key,
        concurrency: request.concurrentConnections ?? 10,
        signal: context.signal,
        known,
        inFlight: this.inFlight,
        onProgress: uploadProgress(context, this.clock, pacer, 0.99),
        compression: compression ? { level: compression.level } : undefined,
      });
      context.signal.throwIfAborted();

      const manifestTables: ManifestTable[] = tables.map((t) => ({
        keyspace: t.keyspace,
        table: t.table,
        tableId: t.tableId,
        schemaCql: t.schemaCql,
        files: t.files.map((file) => {
          const key = keyOf.get(file) ?? '';
          const outcome = outcomes.get(key);
          if (!outcome) throw new Error(`no upload outcome for ${file.path}`);
          return {
            // a compressed object's key is the file's plus ".zst"
            key: outcome.key ?? key,
            name: file.name,
            size: outcome.size,
            sha256: outcome.sha256,
            ...(outcome.stored ? { stored: outcome.stored } : {}),
            ...(outcome.compressed ? { compressed: outcome.compressed } : {}),
          };
        }),
      }));
      const uploaded = [...outcomes.values()].filter((o) => o.uploaded);
      const totals: BackupTotals = {
        files: items.length,
        bytes: items.reduce((sum, i) => sum + i.file.size, 0),
        uploadedFiles: uploaded.length,
        uploadedBytes: uploaded.reduce((sum, o) => sum + o.size, 0),
        // what the uploads put in the store: less than uploadedBytes when compressed, a little more when sealed
        uploadedStoredBytes: uploaded.reduce((sum, o) => sum + storedOf(o).size, 0),
      };
      recordTransfer(processMetrics(), 'backup', { uploaded: totals.uploadedBytes, skipped: totals.bytes - totals.uploadedBytes });
      const manifest: NodeManifest = {
        schemaVersion: MANIFEST_SCHEMA_VERSION,
        kind: 'daedalus.node-backup',
        backupName,
        snapshotTag: coordination?.snapshotTag ?? request.snapshotTag ?? backupName,
        operationId: context.operationId,
        cluster: path.cluster,
        dc: registration.dc,
        rack: registration.rack,
        hostId: registration.hostId,
        address: registration.address,
        tokens: registration.tokens,
        cassandraVersion: registration.cassandraVersion,
        cassandraSchemaVersion,
        expectedNodes: coordination?.participants.length ?? 1,
        startTime,
        endTime: this.clock.now().toISOString(),
        tables: manifestTables,
        totals,
      };
      const encryption = this.encryption.manifestEntry();
      if (encryption) manifest.encryption = encryption;
      if (compression) manifest.compression = compression;
      lease.assertHeld();
      // The manifest is the commit point: written only now that every file it names is in the store.
      await backend.put(manifestKey, jsonSource(manifest), { contentType: 'application/json' });
      await this.index(backend, path, manifest, manifestKey);
      // a node-local backup is the only writer of its cluster's marker; a global one leaves it to COMMIT
      if (manifest.expectedNodes === 1) await this.markCluster(backend, path.cluster);
      return { backupName, manifest: manifestKey, totals };
    } finally {
      await lease?.release();
      // a consistent backup's snapshot survives a pause at a window's end: the next round uploads it (a new one
      // would not be consistent with the other nodes')
      if (!request.keepSnapshot && !(taken && isPausedStop(context.signal))) {
        await this.snapshots
          .clear(backupName, scope.keyspaces)
          .catch((error) => this.logger.warn(`could not clear snapshot ${backupName}: ${errorMessage(error)}`));
      }
    }
  }

  /** The listing entry derived from the manifest (written after it; rewriting it is harmless). */
  private async index(backend: StorageBackend, path: NodePath, manifest: NodeManifest, manifestKey: string): Promise<void> {
    await backend.put(BackupLayout.nodeIndex(path, manifest.backupName), jsonSource(summarise(manifest, manifestKey)), {
      contentType: 'application/json',
    });
  }

  /** Records that the bucket holds backups of this cluster, so listing the whole bucket finds it. */
  private async markCluster(backend: StorageBackend, cluster: string): Promise<void> {
    const key = BackupLayout.clusterMarker(cluster);
    if (!(await backend.stat(key))) await backend.put(key, jsonSource({ cluster }), { contentType: 'application/json' });
  }

  private async commit({ backend, location, request, backupName, coordination, context }: BackupJob): Promise<ClusterBackupRecord> {
    const cluster = location.path[0];
    const participants = coordination?.participants ?? [];
    if (participants.length === 0) throw new OperationRejectedError('the coordinator named no participants to commit');
    const recordKey = BackupLayout.clusterRecord(cluster, backupName);
    const manifests: NodeManifest[] = [];
    for (const p of participants) {
      const key = BackupLayout.manifest({ cluster, dc: p.dc, hostId: p.hostId }, backupName);
      if (!(await backend.stat(key))) throw new OperationRejectedError(`node ${p.hostId} (${p.address}) has no manifest ${key}`);
      manifests.push(await readNodeManifest(backend, key));
      await context.progress(manifests.length / (participants.length + 1));
    }
    const record: ClusterBackupRecord = {
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      kind: 'daedalus.cluster-backup',
      backupName,
      snapshotTag: coordination?.snapshotTag ?? request.snapshotTag ?? backupName,
      operationId: context.operationId,
      cluster,
      startTime: manifests.map((m) => m.startTime).sort()[0],
      endTime: manifests
        .map((m) => m.endTime)
        .sort()
        .reverse()[0],
      nodes: manifests.map((m) => ({
        hostId: m.hostId,
        dc: m.dc,
        rack: m.rack,
        address: m.address,
        manifest: BackupLayout.manifest({ cluster, dc: m.dc, hostId: m.hostId }, backupName),
        totals: m.totals,
      })),
      totals: sumTotals(manifests.map((m) => m.totals)),
    };
    // skipDownNodes: the nodes that were down are named, so listing and restore know the backup lacks them
    const missing = coordination?.missingNodes ?? [];
    if (missing.length > 0) Object.assign(record, { partial: true, missingNodes: missing });
    if (request.uploadClusterTopology !== false) {
      const topology = {
        timestamp: this.clock.now().getTime(),
        clusterName: cluster,
        schemaVersion: manifests[0].cassandraSchemaVersion,
        topology: manifests.map((m) => ({
          hostname: m.address,
          cluster,
          dc: m.dc,
          rack: m.rack,
          nodeId: m.hostId,
          ipAddress: m.address,
          tokens: m.tokens,
        })),
      };
      await backend.put(BackupLayout.topology(cluster, backupName), jsonSource(topology), { contentType: 'application/json' });
    }
    // Written last: a global backup exists for list and restore once this record does.
    await backend.put(recordKey, jsonSource(record), { contentType: 'application/json' });
    await this.markCluster(backend, cluster);
    return record;
  }
}

/** The request's `compression`, as the manifest records it; undefined for none (the default). */
function compressionOf(request: BackupRequest): ManifestCompression | undefined {
  if (request.compression !== 'zstd') return undefined;
  return { format: 'zstd', level: request.compressionLevel ?? BACKUP_COMPRESSION_LEVELS.default };
}

/** A small JSON document as a re-openable put source (so the retry wrapper can send it again). */
function jsonSource(value: unknown): () => Readable {
  const bytes = Buffer.from(JSON.stringify(value, null, 2));
  return () => Readable.from([bytes]);
}
