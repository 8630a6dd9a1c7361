import { Inject, Optional } from '@nestjs/common';
import { Clock } from '@daedalus/common';
import { KeptObjects, ObjectSet, VerifyRequest } from '@daedalus/contracts';
import { StorageBackend } from '@daedalus/storage';
import { ExecutionContext, OperationExecutor, OperationRejectedError } from '../executor';
import { OperationExecutorFor } from '../executor-discovery';
import { anyStorageLocation, openRequestBackend } from '../../repository/request-storage';
import { NodeVerification, recordVerdicts, verifyNode } from '../../repository/backup-verification';
import { NodePath } from '../../repository/backup-layout';
import { ClientEncryption } from '../../repository/encryption';
import { sweepNode } from '../remove-backup/sweep-node';
import { NodeRegistrationService } from '../../registration/node-registration.service';

export interface VerifySettings {
  /** objects named by no manifest but younger than this are not reported as orphans (`--verify-orphan-grace-ms`) */
  orphanGraceMs: number;
  /** remove-backup's sweep grace (`--removal-grace-ms`): `deleteOrphans` never deletes younger objects than it would */
  removalGraceMs?: number;
}

/** What `deleteOrphans` did on this node: remove-backup's sweep, as its SWEEP phase reports it. */
export interface OrphanDeletion {
  deleted: ObjectSet;
  kept: KeptObjects[];
  /** tombstoned backups whose manifest here the sweep deleted (finishing an interrupted removal) */
  finishedManifests: string[];
  graceMs: number;
}

export type VerifyResult = NodeVerification & { orphansDeleted?: OrphanDeletion };

export const VERIFY_SETTINGS = Symbol('VERIFY_SETTINGS');

/** How a failed verify names what it found: the counts, and a few keys (the records hold up to LISTED_KEYS). */
function failureMessage(result: VerifyResult): string {
  const failed = result.backups.filter((b) => b.state === 'failed');
  const parts = failed.map((b) => {
    const shown = b.problems
      .slice(0, 3)
      .map((p) => `${p.key} (${p.problem})`)
      .join(', ');
    return `backup ${b.backupName}: ${b.missing} missing and ${b.corrupt} corrupt of ${b.objects} objects, e.g. ${shown}; record ${b.record}`;
  });
  const deleted = result.orphansDeleted
    ? `; deleteOrphans deleted ${result.orphansDeleted.deleted.objects} (${result.orphansDeleted.deleted.bytes} bytes)`
    : '';
  return `${result.mode} verify failed on node ${result.hostId}: ${parts.join('; ')}; ${result.orphans.objects} orphaned objects${deleted}`;
}

/**
 * Daedalus's `verify`: checks this node's part of one backup (or of all of them) in the store, writes a
 * verification record per backup, and reports orphaned objects. A backup that fails fails the operation (its
 * message names what is wrong); one that passes completes with the whole report as the response.
 */
@OperationExecutorFor('verify')
export class VerifyExecutor implements OperationExecutor<VerifyRequest> {
  readonly type = 'verify' as const;

  constructor(
    private readonly identity: NodeRegistrationService,
    private readonly clock: Clock,
    @Inject(VERIFY_SETTINGS) private readonly settings: VerifySettings,
    // tests pass an opener over an in-memory store; Nest has none to give (@Optional), so the default applies
    @Optional() private readonly openBackend: typeof openRequestBackend = openRequestBackend,
    @Optional() private readonly encryption: ClientEncryption = ClientEncryption.none,
  ) {}

  async execute(request: VerifyRequest, context: ExecutionContext): Promise<VerifyResult> {
    // the agent checks again what the gateway refuses, for a request sent straight over NATS
    if (request.backupName === undefined && !request.allBackups)
      throw new OperationRejectedError('backupName: name a backup or send allBackups');
    const me = this.identity.current;
    const location = anyStorageLocation(request.storageLocation, { datacenters: [me.dc] });
    const node: NodePath = { cluster: location.path[0] ?? me.clusterName, dc: me.dc, hostId: me.hostId };
    const mode = request.mode ?? 'quick';
    const signal = request.timeout ? AbortSignal.any([context.signal, AbortSignal.timeout(request.timeout * 3600_000)]) : context.signal;
    await context.progress(0.01, `${mode} verify: reading the manifests of ${node.cluster}/${node.dc}/${node.hostId}`);
    const backend = await this.openBackend(location, { ...request, createMissingBucket: false });
    try {
      const verified = await this.verify(backend, request, node, signal, context);
      const result: VerifyResult = request.deleteOrphans
        ? { ...verified, orphansDeleted: await this.deleteOrphans(backend, node, request, signal, context) }
        : verified;
      if (result.backups.some((b) => b.state === 'failed')) throw new OperationRejectedError(failureMessage(result));
      return result;
    } finally {
      await backend.close();
    }
  }

  private async verify(
    backend: StorageBackend,
    request: VerifyRequest,
    node: NodePath,
    signal: AbortSignal,
    context: ExecutionContext,
  ): Promise<NodeVerification> {
    const mode = request.mode ?? 'quick';
    const started = this.clock.now();
    let lastReport = 0;
    const found = await verifyNode(backend, node, request.allBackups ? 'all' : [request.backupName as string], {
      mode,
      concurrency: request.concurrentConnections ?? 10,
      signal,
      orphanGraceMs: this.settings.orphanGraceMs,
      now: () => this.clock.now(),
      encryption: this.encryption.key,
      onProgress: (done, total) => {
        const now = this.clock.now().getTime();
        if (now - lastReport < 1_000 && done < total) return;
        lastReport = now;
        const fraction = total === 0 ? 0.95 : 0.05 + 0.9 * (done / total);
        void context.progress(fraction, `${done} of ${total} bytes verified`).catch(() => undefined);
      },
    });
    const backups = await recordVerdicts(backend, node, found.backups, mode, started, context.operationId);
    return { ...found, backups };
  }

  /**
   * `deleteOrphans`: remove-backup's sweep of this node, not verify's orphan list — the sweep writes its lock,
   * then reads the backup leases and lists manifests and objects afresh, so a backup that started since (or that
   * reuses an object a failed one left, whose age says nothing) keeps what it needs. Its grace is the greater of
   * verify's orphan grace and the removal grace, so a verify never deletes what a removal would keep.
   */
  private async deleteOrphans(
    backend: StorageBackend,
    node: NodePath,
    request: VerifyRequest,
    signal: AbortSignal,
    context: ExecutionContext,
  ): Promise<OrphanDeletion> {
    const graceMs = Math.max(this.settings.orphanGraceMs, this.settings.removalGraceMs ?? 0);
    await context.progress(0.96, 'deleting orphans: sweeping the node under a removal lock');
    const sweep = await sweepNode({
      backend,
      node,
      dry: false,
      operationId: context.operationId,
      plannedRemovals: [],
      graceMs,
      concurrency: request.concurrentConnections ?? 10,
      nowMs: () => this.clock.now().getTime(),
      signal,
      progress: (fraction, message) => context.progress(0.96 + 0.03 * fraction, message),
    });
    return { deleted: sweep.swept, kept: sweep.kept, finishedManifests: sweep.finishedManifests, graceMs };
  }
}
