import { Inject, Optional } from '@nestjs/common';
import {
  RemoveBackupProtocol,
  removeBackupProtocol,
  RemoveBackupRequest,
  RemoveBackupSweepResult,
  RemoveBackupTombstoneResult,
} from '@daedalus/contracts';
import { Clock } from '@daedalus/common';
import { StorageBackend, StorageLocation } from '@daedalus/storage';
import { PhaseContext, PhasedExecutor, PhaseHandlers } from '../phased-executor';
import { OperationExecutorFor } from '../executor-discovery';
import { nodeStorageLocation, openRequestBackend } from '../../repository/request-storage';
import { NodePath } from '../../repository/backup-layout';
import { tombstoneBackups } from './tombstone-backups';
import { sweepNode } from './sweep-node';

/** Agent settings of removal (flags, docs/design.md "Removing backups"). */
export interface RemovalSettings {
  /** unreferenced objects younger than this are never swept */
  graceMs: number;
}
export const REMOVAL_SETTINGS = Symbol('REMOVAL_SETTINGS');

type Phase = PhaseContext<RemoveBackupProtocol>;

/**
 * Removes backups in two steps (the protocol's TOMBSTONE on one node, SWEEP on every node): see
 * tombstoneBackups and sweepNode. A node-local request runs both on its node, for its node-local backups.
 */
@OperationExecutorFor('remove-backup')
export class RemoveBackupExecutor extends PhasedExecutor<RemoveBackupProtocol> {
  protected readonly protocol = removeBackupProtocol;
  protected readonly phases: PhaseHandlers<RemoveBackupProtocol> = {
    TOMBSTONE: (request, context) =>
      this.withBackend(request, context, (backend, location, node) => this.tombstone(backend, location, node, request, context)),
    SWEEP: (request, context) =>
      this.withBackend(request, context, (backend, _location, node) => this.sweep(backend, node, request, context)),
  };

  constructor(
    @Inject(REMOVAL_SETTINGS) private readonly settings: RemovalSettings,
    private readonly clock: Clock,
    // tests pass an opener over an in-memory store; Nest has none to give (@Optional), so the default applies
    @Optional() private readonly openBackend: typeof openRequestBackend = openRequestBackend,
  ) {
    super();
  }

  private async withBackend<T>(
    request: RemoveBackupRequest,
    context: Phase,
    work: (backend: StorageBackend, location: StorageLocation, node: NodePath) => Promise<T>,
  ): Promise<T> {
    const location = nodeStorageLocation(request);
    const [cluster, dc, hostId] = location.path;
    // a removal never creates the bucket
    const backend = await this.openBackend(location, { ...request, createMissingBucket: false });
    try {
      return await work(backend, location, { cluster, dc, hostId });
    } finally {
      await backend.close();
    }
  }

  /** Icarus `timeout` (hours) bounds each phase. */
  private signal(request: RemoveBackupRequest, context: Phase): AbortSignal {
    return request.timeout ? AbortSignal.any([context.signal, AbortSignal.timeout(request.timeout * 3600_000)]) : context.signal;
  }

  private tombstone(
    backend: StorageBackend,
    location: StorageLocation,
    node: NodePath,
    request: RemoveBackupRequest,
    context: Phase,
  ): Promise<RemoveBackupTombstoneResult> {
    // without a coordinator's context (a command sent to this node alone) the request is this node's
    const global = context.coordination?.global ?? false;
    return tombstoneBackups({
      backend,
      location,
      cluster: node.cluster,
      node: global ? undefined : node,
      request,
      dry: request.dry ?? false,
      operationId: context.operationId,
      now: () => this.clock.now(),
      signal: this.signal(request, context),
      progress: (fraction, message) => context.progress(fraction, message),
    });
  }

  private sweep(backend: StorageBackend, node: NodePath, request: RemoveBackupRequest, context: Phase): Promise<RemoveBackupSweepResult> {
    const dry = request.dry ?? false;
    const planned = Object.values(context.results.TOMBSTONE ?? {}).flatMap((r) => r.removed.map((b) => b.name));
    return sweepNode({
      backend,
      node,
      dry,
      operationId: context.operationId,
      plannedRemovals: dry ? planned : [],
      graceMs: this.settings.graceMs,
      concurrency: request.concurrentConnections ?? 10,
      nowMs: () => this.clock.now().getTime(),
      signal: this.signal(request, context),
      progress: (fraction, message) => context.progress(fraction, message),
    });
  }
}
