import { Inject, Injectable, Logger } from '@nestjs/common';
import { JetStreamClient } from '@nats-io/jetstream';
import {
  BackupRequest,
  MessageIds,
  OperationRecord,
  OperationState,
  retentionOperationId,
  SCHEMA_VERSION,
  Subjects,
  SubmitOperationMessage,
} from '@daedalus/contracts';
import { JETSTREAM, OperationStore, publishJson } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { CoordinatorConfig } from '../coordinator-config';
import { retentionPolicyFor } from './retention-policies';

/**
 * The backup request's fields that say how to reach its store, carried to the removal. Proxy credentials stay
 * sealed as the record holds them (coordinators hold no key to open them); `kmsKeyId` is not needed to delete.
 */
const STORE_ACCESS_FIELDS = ['insecure', 'skipBucketVerification', 'proxySettings', 'retry', 'concurrentConnections'] as const;

/** Who the removal says submitted it (the record's `submittedBy`). */
export const RETENTION_SUBMITTER = 'coordinator:retention';

/**
 * Retention after each successful backup (`--retention-policies-file`): when a global backup COMPLETES to a
 * location with a policy, one `remove-backup` with `retention: <policy>` and `globalRequest: true` is submitted
 * on the request stream, as any client would — its id derived from the backup's (`retentionOperationId`), its
 * message id `submit.<id>`: a redelivered event, a repeat after a crash or a second coordinator publishes the
 * same message (JetStream drops it in its window; after it the submit handler finds the record, create-only,
 * with the same request, and starts nothing twice). The backup's record then names the removal.
 */
@Injectable()
export class RetentionTrigger {
  private readonly logger = new Logger(RetentionTrigger.name);

  constructor(
    private readonly config: CoordinatorConfig,
    private readonly operations: OperationStore,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    private readonly clock: Clock,
  ) {}

  /** Called with a backup's record as stored after an event: acts once it completed, until it names its removal. */
  async afterEvent(record: OperationRecord): Promise<void> {
    if (record.type !== 'backup' || record.state !== OperationState.COMPLETED || record.retentionOperationId !== undefined) return;
    const request = record.request as BackupRequest;
    if (!request.globalRequest) return; // a node-local backup is one node's part: retention judges whole backups
    const cluster = typeof record.context?.clusterName === 'string' ? record.context.clusterName : undefined;
    const entry = retentionPolicyFor(this.config.retentionPolicies, request.storageLocation, cluster);
    if (!entry) return;

    const id = retentionOperationId(record.id);
    const access = Object.fromEntries(STORE_ACCESS_FIELDS.filter((f) => request[f] !== undefined).map((f) => [f, request[f]]));
    const message: SubmitOperationMessage = {
      schemaVersion: SCHEMA_VERSION,
      operationId: id,
      request: {
        type: 'remove-backup',
        storageLocation: request.storageLocation,
        globalRequest: true,
        retention: { ...entry.policy },
        ...access,
      },
      submittedAt: this.clock.now().toISOString(),
      submittedBy: RETENTION_SUBMITTER,
    };
    await publishJson(this.js, Subjects.submit, message, MessageIds.submit(id));
    await this.operations.mutate(record.id, (current) =>
      current.retentionOperationId === undefined ? { ...current, retentionOperationId: id } : undefined,
    );
    this.logger.log(`backup ${record.id} completed: retention submitted as remove-backup ${id} (policy for ${entry.storageLocation})`);
  }
}
