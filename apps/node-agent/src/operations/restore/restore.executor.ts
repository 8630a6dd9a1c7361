import { Inject, Logger, Optional } from '@nestjs/common';
import { join } from 'node:path';
import {
  RestoreCleanupResult,
  RestoreDownloadResult,
  RestoreImportResult,
  RestoreInitResult,
  RestoreProtocol,
  restoreProtocol,
  RestoreRequest,
  RestoreTruncateResult,
  Subjects,
} from '@daedalus/contracts';
import { Clock, errorMessage, processMetrics, recordTransfer, retry } from '@daedalus/common';
import { StorageBackend } from '@daedalus/storage';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { dataWalker } from '../../cassandra/data-directories';
import { readNodeManifest } from '../../repository/manifest-store';
import { BackupRemovedError, holdBackupForRestore, releaseRestoreLease } from '../../repository/removal-marks';
import { anyStorageLocation, openRequestBackend } from '../../repository/request-storage';
import { CassandraNode } from '../../cassandra/cassandra-node';
import { CassandraSnapshots } from '../../cassandra/snapshots';
import { OperationRejectedError } from '../executor';
import { PhaseContext, PhasedExecutor, PhaseHandlers } from '../phased-executor';
import { NodeIdentity } from '../../registration/node-identity';
import { downloadFiles, downloadPath } from '../../repository/downloader';
import { importOptions, importWithCassandra, importWithHardLinks } from './import-tables';
import { restoreInPlace } from './in-place';
import { planPointInTime, prepareReplay, usablePlan } from './point-in-time';
import { expectedFingerprints, notYetLive, proveLoaded } from './load-proof';
import { RestoreLedger } from './restore-ledger';
import { LocalImportLedger } from './local-import-ledger';
import { expectationFile, requireTargets, RestoreTable, restoreTables, stagingDir, stagingRoot, tableId } from './restore-scope';
import { resolveRestoreSource } from './restore-source';
import { planRestore } from './restore-plan';
import { OperationExecutorFor, RESTORE_SETTINGS } from '../executor-discovery';
import { ClientEncryption } from '../../repository/encryption';
import { registeredRoots } from '../../paths/agent-roots';
import { identifierProblem } from '../../paths/manifest-names';

type Phase = PhaseContext<RestoreProtocol>;

const IMPORT_ATTEMPTS = 3;

export interface RestoreSettings {
  /** cassandra.yaml's directory: IN_PLACE pins tokens there and reads where the commit log, hints and saved caches are */
  configDir: string;
  /** $CASSANDRA_HOME, for the directories cassandra.yaml leaves at Cassandra's defaults */
  cassandraHome?: string;
  /** bytes a download leaves free on every filesystem it writes to */
  reserveBytes: number;
}

/**
 * Restore, one phase per command (the coordinator orders them). Every phase can run again safely: DOWNLOAD
 * fetches only what is missing, TRUNCATE consults the coordinators' ledger, IMPORT skips the tables that ledger
 * or this node's own local one lists. Whether a cancel stops a phase is the protocol's `cancelDuring`: INIT and
 * DOWNLOAD (nothing changed yet) and IN_PLACE stop; once TRUNCATE started the data must come back, so TRUNCATE,
 * IMPORT and the CLEANUP after them run to their end.
 */
@OperationExecutorFor('restore')
export class RestoreExecutor extends PhasedExecutor<RestoreProtocol> {
  protected readonly protocol = restoreProtocol;
  protected readonly phases: PhaseHandlers<RestoreProtocol> = {
    INIT: (request, context) => this.withBackend(request, (backend) => this.init(backend, request, context)),
    DOWNLOAD: (request, context) => this.withBackend(request, (backend) => this.download(backend, request, context)),
    TRUNCATE: (_request, context) => this.truncate(context),
    IMPORT: (request, context) => this.import(request, context),
    CLEANUP: (request, context) => this.cleanup(request, context),
    PLAN: (request, context) =>
      this.withBackend(request, (backend) =>
        planRestore({
          backend,
          request,
          operationId: context.operationId,
          cluster: this.cluster(request, context),
          location: anyStorageLocation(request.storageLocation, { datacenters: [this.identity.current.dc] }),
          me: this.identity.current,
          node: this.node,
          encryption: this.encryption,
          reserveBytes: this.settings.reserveBytes,
          fs,
          inPlace: this.settings,
        }),
      ),
    PITR_PLAN: (request, context) =>
      this.withBackend(request, (backend) =>
        planPointInTime({
          backend,
          request,
          me: this.identity.current,
          node: this.node,
          cluster: this.cluster(request, context),
          encryption: this.encryption,
        }),
      ),
    IN_PLACE: (request, context) =>
      this.withBackend(request, (backend) =>
        restoreInPlace(
          backend,
          this.inPlaceRequest(request, context),
          context,
          this.identity.current,
          this.node,
          this.cluster(request, context),
          this.settings,
          this.clock,
          this.encryption,
        ),
      ),
    COMMITLOG: (request, context) =>
      this.withBackend(request, (backend) =>
        prepareReplay(
          {
            backend,
            plan: usablePlan(context.results.PITR_PLAN?.[this.identity.current.hostId], this.identity.current.hostId),
            me: this.identity.current,
            node: this.node,
            cluster: this.cluster(request, context),
            configDir: request.cassandraConfigDirectory ?? this.settings.configDir,
            downloadBase: registeredRoots(this.identity.current).staging[0],
            concurrency: request.concurrentConnections ?? 10,
            reserveBytes: this.settings.reserveBytes,
          },
          context,
        ),
      ),
  };
  private readonly logger = new Logger(RestoreExecutor.name);

  constructor(
    private readonly node: CassandraNode,
    private readonly snapshots: CassandraSnapshots,
    private readonly identity: NodeIdentity,
    private readonly ledger: RestoreLedger,
    @Inject(RESTORE_SETTINGS) private readonly settings: RestoreSettings,
    private readonly clock: Clock,
    // tests pass an opener over an in-memory store; Nest has none to give (@Optional), so the default applies
    @Optional() private readonly openBackend: typeof openRequestBackend = openRequestBackend,
    @Optional() private readonly encryption: ClientEncryption = ClientEncryption.none,
  ) {
    super();
  }

  /** The backup's storage, for the phases that read it (a restore never creates the bucket). */
  private async withBackend<T>(request: RestoreRequest, work: (backend: StorageBackend) => Promise<T>): Promise<T> {
    const backend = await this.openBackend(anyStorageLocation(request.storageLocation, { datacenters: [this.identity.current.dc] }), {
      ...request,
      createMissingBucket: false,
    });
    try {
      return await work(backend);
    } finally {
      await backend.close();
    }
  }

  /** A point-in-time restore's IN_PLACE restores the backup its PITR_PLAN chose for this node, exactly by name. */
  private inPlaceRequest(request: RestoreRequest, context: Phase): RestoreRequest {
    if (request.pointInTime === undefined) return request;
    const me = this.identity.current.hostId;
    const snapshotTag = usablePlan(context.results.PITR_PLAN?.[me], me).backup.name;
    return Object.assign(Object.create(Object.getPrototypeOf(request) as object) as RestoreRequest, request, { snapshotTag });
  }

  private cluster(request: RestoreRequest, context: Phase): string {
    const location = anyStorageLocation(request.storageLocation, { datacenters: [this.identity.current.dc] });
    return location.path[0] ?? context.coordination?.clusterName ?? this.identity.current.clusterName;
  }

  /** What INIT found on this node, when this restore ran INIT (a single-phase request did not). */
  private initResult(context: Phase): RestoreInitResult | undefined {
    return context.results.INIT?.[this.identity.current.hostId];
  }

  /** Before any change: the backup is complete and has this node, tokens match, targets exist, node is NORMAL. */
  private async init(backend: StorageBackend, request: RestoreRequest, context: Phase): Promise<RestoreInitResult> {
    const me = this.identity.current;
    const mode = await this.node.operationMode();
    if (mode !== 'NORMAL') throw new OperationRejectedError(`the node is ${mode}, not NORMAL`);
    const location = anyStorageLocation(request.storageLocation, { datacenters: [this.identity.current.dc] });
    const source = await resolveRestoreSource(
      backend,
      this.cluster(request, context),
      location,
      request.snapshotTag,
      me,
      request.resolveHostIdFromTopology ?? false,
    );
    if (request.exactSchemaVersion && request.schemaVersion && source.manifest.cassandraSchemaVersion !== request.schemaVersion) {
      throw new OperationRejectedError(
        `backup ${source.backup.name} has schema version ${source.manifest.cassandraSchemaVersion}, not ${request.schemaVersion}`,
      );
    }
    await this.holdForRestore(backend, request, context, source.backup.name);
    // a single-phase INIT only checks: nothing of this restore reads the backup after it
    if (request.singlePhase && context.phase === 'INIT') await this.releaseForRestore(backend, request, context, source.backup.name);
    // a backup this agent cannot open fails here, before DOWNLOAD fetches anything and long before TRUNCATE
    this.encryption.requireKeyFor(source.manifest, `backup ${source.backup.name}`);
    const tables = restoreTables(source.manifest, request);
    await requireTargets(this.node, tables);
    return {
      backupName: source.backup.name,
      sourceHostId: source.manifest.hostId,
      manifestKey: source.manifestKey,
      schemaVersion: await this.node.schemaVersion(),
      tables: tables.map((t) => ({ keyspace: t.keyspace, source: t.source, target: t.target, bytes: t.bytes })),
    };
  }

  /**
   * This node's read lease on the backup (docs/design.md, "Removing backups"): a removal refuses the backup
   * meanwhile. INIT takes it, DOWNLOAD renews it and releases it when it ends (nothing reads the store after it);
   * a single-phase INIT releases it at once.
   */
  private async holdForRestore(backend: StorageBackend, request: RestoreRequest, context: Phase, backupName: string): Promise<void> {
    try {
      await holdBackupForRestore(
        backend,
        this.cluster(request, context),
        backupName,
        this.leaseHolder(context),
        this.clock.now().getTime(),
      );
    } catch (error) {
      if (error instanceof BackupRemovedError) throw new OperationRejectedError(error.message);
      throw error;
    }
  }

  private leaseHolder(context: Phase): { operationId: string; holder: string } {
    return { operationId: context.operationId, holder: this.identity.current.hostId };
  }

  private async releaseForRestore(backend: StorageBackend, request: RestoreRequest, context: Phase, backupName: string): Promise<void> {
    await releaseRestoreLease(backend, this.cluster(request, context), backupName, this.leaseHolder(context)).catch((error) =>
      this.logger.warn(`could not release the restore lease on ${backupName} (it lapses by itself): ${errorMessage(error)}`),
    );
  }

  private async scope(
    backend: StorageBackend,
    request: RestoreRequest,
    context: Phase,
  ): Promise<{ tables: RestoreTable[]; backupName: string }> {
    const earlier = this.initResult(context);
    // DOWNLOAD renews the read lease INIT took before it reads the manifest again
    if (earlier) await this.holdForRestore(backend, request, context, earlier.backupName);
    const init = earlier ?? (await this.init(backend, request, context));
    const manifest = await readNodeManifest(backend, init.manifestKey);
    this.encryption.requireKeyFor(manifest, `backup ${init.backupName}`);
    return { tables: restoreTables(manifest, request), backupName: init.backupName };
  }

  /** Every file of this node's part of the backup, verified, into the staging directory. */
  private async download(backend: StorageBackend, request: RestoreRequest, context: Phase): Promise<RestoreDownloadResult> {
    const root = stagingRoot(request, registeredRoots(this.identity.current), context.operationId);
    const { tables, backupName } = await this.scope(backend, request, context);
    try {
      return await this.fetch(backend, request, context, root, tables);
    } finally {
      await this.releaseForRestore(backend, request, context, backupName);
    }
  }

  private async fetch(
    backend: StorageBackend,
    request: RestoreRequest,
    context: Phase,
    root: string,
    tables: RestoreTable[],
  ): Promise<RestoreDownloadResult> {
    const items = tables.flatMap((t) =>
      t.files.map((file) => ({ file, path: downloadPath(stagingDir(root, t.keyspace, t.target), file) })),
    );
    let lastReport = 0;
    const fetched = await downloadFiles(backend, items, {
      concurrency: request.concurrentConnections ?? 10,
      // Icarus `timeout` (hours) bounds the transfer, as it bounds a backup's upload
      signal: request.timeout ? AbortSignal.any([context.signal, AbortSignal.timeout(request.timeout * 3600_000)]) : context.signal,
      reserveBytes: this.settings.reserveBytes,
      encryption: this.encryption.key,
      onProgress: (done, total) => {
        const now = this.clock.now().getTime();
        if (now - lastReport < 1_000 && done < total) return;
        lastReport = now;
        void context
          .progress(total === 0 ? 0.99 : Math.min(0.99, done / total), `${done} of ${total} bytes downloaded`)
          .catch(() => undefined);
      },
    });
    recordTransfer(processMetrics(), 'restore', { downloaded: fetched.fetchedBytes });
    return { staging: root, files: items.length, ...fetched };
  }

  /**
   * One node truncates each table once for the whole cluster; the coordinators' ledger refuses a second time.
   * Each truncation is reported (and stored by JetStream) before the next table: see `RestoreLedger.mayTruncate`
   * for why a truncation reported but not yet folded may safely happen again.
   */
  private async truncate(context: Phase): Promise<RestoreTruncateResult> {
    const targets = new Set<string>();
    for (const result of Object.values(context.results.INIT ?? {})) {
      for (const t of result.tables) targets.add(tableId(t.keyspace, t.target));
    }
    if (targets.size === 0) throw new OperationRejectedError('no INIT results to know which tables to truncate');
    const truncated: string[] = [];
    const startedAt = this.clock.now().getTime();
    for (const table of [...targets].sort()) {
      const claim = await this.ledger.mayTruncate(context.operationId, table);
      if (claim === 'phase-left') throw new OperationRejectedError('the restore has left its TRUNCATE phase: not truncating again');
      if (claim === 'truncate') {
        const [keyspace, name] = table.split('.');
        await this.node.truncate(keyspace, name);
        await context.reportLedger({ done: 'truncated', table });
      }
      truncated.push(table);
      await context.progress(truncated.length / targets.size, `truncated ${table}`);
    }
    return { truncated, startedAt };
  }

  /** Tables this node imports: from INIT, or (a single-phase IMPORT finishing an interrupted restore) from the staging layout. */
  private async importTables(root: string, context: Phase): Promise<Array<{ keyspace: string; target: string }>> {
    const init = this.initResult(context);
    if (init) return init.tables;
    // keyspace and table directories only (Cassandra identifiers: not the agent's own `.daedalus`, nor any other
    // entry); a directory that cannot be read has none
    const visible = async (dir: string) =>
      (await fs.list(dir).catch(() => []))
        .filter((entry) => entry.isDirectory && identifierProblem(entry.name) === undefined)
        .map((entry) => entry.name);
    const tables: Array<{ keyspace: string; target: string }> = [];
    for (const keyspace of await visible(root)) {
      for (const target of await visible(join(root, keyspace))) tables.push({ keyspace, target });
    }
    if (tables.length === 0) throw new OperationRejectedError(`nothing staged to import in ${root}`);
    return tables;
  }

  private async import(request: RestoreRequest, context: Phase): Promise<RestoreImportResult> {
    const me = this.identity.current;
    const root = stagingRoot(request, registeredRoots(me), context.operationId);
    const tables = await this.importTables(root, context);
    // the coordinators' ledger, and this node's own (which may be ahead of it: a fact stored, not yet folded)
    const folded = new Set((await this.ledger.state(context.operationId)).imported[me.hostId] ?? []);
    const local = await LocalImportLedger.open(root, context.operationId, me.hostId);
    const imported: string[] = [];
    for (const t of tables) {
      const id = tableId(t.keyspace, t.target);
      if (local.has(id) && !folded.has(id)) {
        // imported by an earlier run of this command, whose fact may not have been stored: report it again
        await context.reportLedger({ done: 'imported', table: id });
      } else if (!folded.has(id)) {
        const problem = await this.importOne(
          request,
          t.keyspace,
          t.target,
          stagingDir(root, t.keyspace, t.target),
          expectationFile(root, t.keyspace, t.target),
        );
        if (problem) throw new OperationRejectedError(await this.recoveryMessage(request, context, root, id, problem));
        await local.add(id);
        await context.reportLedger({ done: 'imported', table: id });
      }
      imported.push(id);
      await context.progress(imported.length / tables.length, `imported ${id}`);
    }
    return { imported };
  }

  /**
   * Imports one table, retried (bounded, with backoff) from the files already downloaded, and proves each
   * attempt's effect: the staged SSTables must be live in the table afterwards. SSTables already live (an
   * agent restarted after Cassandra took them) are not loaded twice.
   */
  private async importOne(
    request: RestoreRequest,
    keyspace: string,
    table: string,
    dir: string,
    recordFile: string,
  ): Promise<string | undefined> {
    const { expected } = await expectedFingerprints(dir, recordFile);
    const attempt = async (): Promise<void> => {
      if (expected.length > 0 && (await notYetLive(this.node, keyspace, table, expected)).length === 0) return;
      const liveBefore = await this.node.liveSSTableCount(keyspace, table);
      const problem =
        (request.restorationStrategyType === 'HARDLINKS'
          ? await importWithHardLinks(this.node, keyspace, table, dir)
          : await importWithCassandra(this.node, keyspace, table, dir, importOptions(request))) ??
        (await proveLoaded(this.node, keyspace, table, expected, liveBefore));
      if (problem) throw new Error(problem);
    };
    try {
      await retry(attempt, {
        attempts: IMPORT_ATTEMPTS,
        initialDelayMs: 1_000,
        maxDelayMs: 2_000,
        onRetry: ({ attempt: n, error }) =>
          this.logger.warn(`import of ${keyspace}.${table} failed (attempt ${n} of ${IMPORT_ATTEMPTS}): ${errorMessage(error)}`),
      });
      return undefined;
    } catch (error) {
      return errorMessage(error);
    }
  }

  /** Says exactly where things stand and gives the request that finishes the job. */
  private async recoveryMessage(request: RestoreRequest, context: Phase, root: string, table: string, problem: string): Promise<string> {
    const ledger = await this.ledger.state(context.operationId);
    const truncated = ledger.truncated.length > 0 ? ledger.truncated.join(', ') : 'none';
    const finish = {
      type: 'restore',
      storageLocation: request.storageLocation,
      snapshotTag: request.snapshotTag,
      restorationStrategyType: request.restorationStrategyType ?? 'IMPORT',
      restorationPhase: 'IMPORT',
      globalRequest: false,
      hostId: this.identity.current.hostId,
      import: { ...(request.import ?? {}), sourceDir: root },
    };
    return (
      `IMPORT of ${table} failed after ${IMPORT_ATTEMPTS} attempts: ${problem}. ` +
      `Tables truncated by this restore: ${truncated}. Downloaded files are kept in ${root}. ` +
      `To continue this restore from its IMPORT phase without truncating again, POST /operations/${context.operationId}/resume ` +
      `(NATS: ${Subjects.resume}); or, on this node alone, POST /operations ${JSON.stringify(finish)}`
    );
  }

  private async cleanup(request: RestoreRequest, context: Phase): Promise<RestoreCleanupResult> {
    const me = this.identity.current;
    const root = stagingRoot(request, registeredRoots(me), context.operationId);
    const removed: string[] = [];
    if (!request.noDeleteDownloads && !request.import?.sourceDir) {
      await fs.remove(root);
      removed.push(root);
    } else {
      // only our own bookkeeping goes from a directory we were given (or told to keep)
      await fs.remove(join(root, '.daedalus'));
    }
    const tables = this.initResult(context)?.tables ?? [];
    const truncation = Object.values(context.results.TRUNCATE ?? {})[0];
    const cleared: string[] = [];
    if (!request.noDeleteTruncates && truncation?.startedAt !== undefined) {
      for (const t of tables) {
        for (const tag of await this.truncateSnapshots(t.keyspace, t.target, truncation.startedAt)) {
          await this.snapshots
            .clear(tag, [t.keyspace])
            .catch((error) => this.logger.warn(`could not clear ${tag}: ${errorMessage(error)}`));
          cleared.push(tag);
        }
      }
    }
    return { removed, clearedSnapshots: cleared };
  }

  /** Snapshots `truncated-<millis>-<table>` that Cassandra's auto_snapshot left in the table's live directories when this restore truncated. */
  private async truncateSnapshots(keyspace: string, table: string, since: number): Promise<string[]> {
    const tags = new Set<string>();
    for (const dir of await this.node.tableDataPaths(keyspace, table)) {
      for (const tag of await dataWalker.snapshotTags(dir).catch(() => [] as string[])) {
        const millis = Number(/^truncated-(\d+)-/.exec(tag)?.[1]);
        if (tag.endsWith(`-${table}`) && millis >= since) tags.add(tag);
      }
    }
    return [...tags];
  }
}
