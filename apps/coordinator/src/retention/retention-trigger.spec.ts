import { plainToInstance } from 'class-transformer';
import { JetStreamClient } from '@nats-io/jetstream';
import {
  BackupRequest,
  newOperationRecord,
  NodeEventKind,
  NodeEventMessage,
  OperationRecord,
  OperationState,
  retentionOperationId,
  SCHEMA_VERSION,
  startOperation,
  Subjects,
  SubmitOperationMessage,
} from '@daedalus/contracts';
import { clockAt, MemoryOperationStore, pauseWindowsOver, recordingCommands } from '../operations/handler-fakes';
import { planTargets } from '../operations/target-planner';
import { NOW, registration } from '../operations/test-fixtures';
import { backupPlan } from '../plans/backup.plan';
import { NodeEventHandler } from '../handlers/node-event.handler';
import { CoordinatorConfig } from '../coordinator-config';
import { parseRetentionPolicies } from './retention-policies';
import { RETENTION_SUBMITTER, RetentionTrigger } from './retention-trigger';

const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';

function backupRecord(fields: Record<string, unknown>): OperationRecord {
  const base = newOperationRecord(ID, plainToInstance(BackupRequest, { type: 'backup', ...fields }), NOW, SCHEMA_VERSION);
  const registered = ['h1', 'h2'].map((h) => ({ registration: registration(h), heartbeatAgeMs: 0 }));
  const targets = planTargets(base.request, registered, 1000);
  if (!targets.ok) throw new Error(targets.error);
  const context = backupPlan.context(
    base,
    targets.targets,
    registered.map((r) => r.registration),
    NOW,
  );
  return startOperation(base, targets.targets, NOW, backupPlan.phases(base), context) as OperationRecord;
}

const event = (hostId: string, kind: NodeEventKind, phase: string | undefined, result?: unknown): NodeEventMessage =>
  ({
    schemaVersion: SCHEMA_VERSION,
    kind,
    operationId: ID,
    hostId,
    ...(phase ? { phase } : {}),
    progress: kind === 'completed' ? 1 : 0,
    ...(result !== undefined ? { result } : {}),
    at: NOW.toISOString(),
  }) as NodeEventMessage;

const upload = (hostId: string) => ({
  backupName: 'b-1',
  manifest: `m/${hostId}`,
  totals: { files: 1, bytes: 1, uploadedFiles: 1, uploadedBytes: 1 },
});

const POLICIES = JSON.stringify([
  { storageLocation: 's3://bucket', policy: { keepLast: 2, incompleteGrace: 'PT6H' } },
  { storageLocation: 's3://bucket', cluster: 'other-cluster', policy: { keepDaily: 9 } },
]);

async function harness(record: OperationRecord, policies = POLICIES) {
  const store = new MemoryOperationStore();
  await store.create(record);
  const clock = clockAt(NOW);
  const { commands } = recordingCommands(clock);
  const submitted: Array<{ subject: string; id: string; message: SubmitOperationMessage }> = [];
  let failPublish = false;
  const js = {
    publish: async (subject: string, data: string, options: { msgID: string }) => {
      if (failPublish) throw new Error('nats: timeout');
      submitted.push({ subject, id: options.msgID, message: JSON.parse(data) as SubmitOperationMessage });
      return { seq: submitted.length, duplicate: false };
    },
  } as unknown as JetStreamClient;
  const config = { retentionPolicies: parseRetentionPolicies(policies).entries ?? [] } as CoordinatorConfig;
  const trigger = new RetentionTrigger(config, store.asStore(), js, clock);
  const handler = new NodeEventHandler(
    store.asStore(),
    commands,
    clock,
    pauseWindowsOver(store.asStore(), commands, clock),
    undefined,
    trigger,
  );
  const handle = (e: NodeEventMessage) =>
    handler.handle(e, { subject: Subjects.eventsFor(e.operationId, e.hostId), attempt: 1, isLastAttempt: false });
  return { handle, submitted, record: () => store.records.get(ID), failNextPublish: (fail: boolean) => (failPublish = fail) };
}

/** Runs the global backup's phases to COMPLETED (UPLOAD on both nodes, COMMIT on the first). */
async function completeBackup(handle: (e: NodeEventMessage) => Promise<void>): Promise<void> {
  await handle(event('h1', 'completed', 'UPLOAD', upload('h1')));
  await handle(event('h2', 'completed', 'UPLOAD', upload('h2')));
  await handle(event('h1', 'completed', 'COMMIT', { backupName: 'b-1' }));
}

describe('retention after a successful backup', () => {
  it('submits one global remove-backup with the location’s policy once the backup completes, and the backup names it', async () => {
    const { handle, submitted, record } = await harness(
      backupRecord({ globalRequest: true, storageLocation: 's3://bucket', insecure: true, concurrentConnections: 4 }),
    );
    await handle(event('h1', 'completed', 'UPLOAD', upload('h1')));
    await handle(event('h2', 'completed', 'UPLOAD', upload('h2')));
    expect(submitted).toEqual([]); // not before the backup is complete (its commit point written)

    await handle(event('h1', 'completed', 'COMMIT', { backupName: 'b-1' }));
    const id = retentionOperationId(ID);
    expect(submitted).toEqual([
      {
        subject: Subjects.submit,
        id: `submit.${id}`,
        message: {
          schemaVersion: SCHEMA_VERSION,
          operationId: id,
          request: {
            type: 'remove-backup',
            storageLocation: 's3://bucket',
            globalRequest: true,
            retention: { keepLast: 2, incompleteGrace: 'PT6H' },
            insecure: true,
            concurrentConnections: 4,
          },
          submittedAt: NOW.toISOString(),
          submittedBy: RETENTION_SUBMITTER,
        },
      },
    ]);
    expect(record()).toMatchObject({ state: OperationState.COMPLETED, retentionOperationId: id });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(retentionOperationId(ID)).toBe(id); // the same backup always names the same removal

    // a redelivered completion (another coordinator, a restart): the record names its removal, nothing is sent
    await handle(event('h1', 'completed', 'COMMIT', { backupName: 'b-1' }));
    expect(submitted).toHaveLength(1);
  });

  it('when the record could not be updated after the publish, a redelivery publishes the same message (JetStream drops it)', async () => {
    const { handle, submitted, record, failNextPublish } = await harness(
      backupRecord({ globalRequest: true, storageLocation: 's3://bucket' }),
    );
    await handle(event('h1', 'completed', 'UPLOAD', upload('h1')));
    await handle(event('h2', 'completed', 'UPLOAD', upload('h2')));
    failNextPublish(true);
    await expect(handle(event('h1', 'completed', 'COMMIT', { backupName: 'b-1' }))).rejects.toThrow('nats: timeout');
    expect(record()?.state).toBe(OperationState.COMPLETED); // the backup completed; the event is redelivered
    expect(record()?.retentionOperationId).toBeUndefined();

    failNextPublish(false);
    await handle(event('h1', 'completed', 'COMMIT', { backupName: 'b-1' }));
    expect(submitted.map((s) => s.id)).toEqual([`submit.${retentionOperationId(ID)}`]);
    expect(record()?.retentionOperationId).toBe(retentionOperationId(ID));
  });

  it('submits nothing for a failed backup, a node-local one, a location without a policy, or without a policies file', async () => {
    const failed = await harness(backupRecord({ globalRequest: true, storageLocation: 's3://bucket' }));
    await failed.handle(event('h1', 'failed', 'UPLOAD'));
    await failed.handle(event('h2', 'completed', 'UPLOAD', upload('h2')));
    expect(failed.record()?.state).toBe(OperationState.FAILED);
    expect(failed.submitted).toEqual([]);

    const elsewhere = await harness(backupRecord({ globalRequest: true, storageLocation: 's3://another' }));
    await completeBackup(elsewhere.handle);
    expect(elsewhere.record()?.state).toBe(OperationState.COMPLETED);
    expect(elsewhere.submitted).toEqual([]);
    expect(elsewhere.record()?.retentionOperationId).toBeUndefined();

    const none = await harness(backupRecord({ globalRequest: true, storageLocation: 's3://bucket' }), '[]');
    await completeBackup(none.handle);
    expect(none.record()?.state).toBe(OperationState.COMPLETED);
    expect(none.submitted).toEqual([]);

    const local = await harness(backupRecord({ storageLocation: 's3://bucket/test-cluster/dc1/h1', hostId: 'h1' }));
    await local.handle(event('h1', 'completed', 'UPLOAD', upload('h1')));
    expect(local.record()?.state).toBe(OperationState.COMPLETED);
    expect(local.submitted).toEqual([]);
  });
});
