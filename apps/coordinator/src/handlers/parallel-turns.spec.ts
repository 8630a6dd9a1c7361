import { plainToInstance } from 'class-transformer';
import {
  applyNodeEvent,
  BackupRequest,
  newOperationRecord,
  NodeEventKind,
  NodeEventMessage,
  OperationRecord,
  pendingNodes,
  SCHEMA_VERSION,
  startOperation,
  Subjects,
} from '@daedalus/contracts';
import { CoordinatorConfig } from '../coordinator-config';
import { clockAt, MemoryOperationStore, pauseWindowsOver, recordingCommands, registryOf } from '../operations/handler-fakes';
import { planTargets } from '../operations/target-planner';
import { NOW, registration, startedGlobalBackup, uploadEvent } from '../operations/test-fixtures';
import { backupPlan } from '../plans/backup.plan';
import { HeartbeatSweeper } from './heartbeat-sweeper';
import { NodeEventHandler } from './node-event.handler';

const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const HOSTS = ['h1', 'h2', 'h3'];

/** A global backup with `parallel: 1` on three nodes of dc1, started as the submit handler starts it. */
const parallelBackup = (): OperationRecord => startedGlobalBackup(ID, HOSTS, { parallel: 1 }, NOW);

const event = (hostId: string, kind: NodeEventKind): NodeEventMessage => uploadEvent(ID, hostId, kind, { at: NOW });

/** Two coordinators over one store (compare-and-set), each with its own outbox. */
async function twoCoordinators() {
  const store = new MemoryOperationStore();
  await store.create(parallelBackup());
  const clock = clockAt(NOW);
  const coordinator = () => {
    const { commands, published } = recordingCommands(clock);
    const handler = new NodeEventHandler(store.asStore(), commands, clock, pauseWindowsOver(store.asStore(), commands, clock));
    const handle = (e: NodeEventMessage) =>
      handler.handle(e, { subject: Subjects.eventsFor(e.operationId, e.hostId), attempt: 1, isLastAttempt: false });
    return { handle, commands, published };
  };
  const record = () => store.records.get(ID) as OperationRecord;
  return { store, a: coordinator(), b: coordinator(), record };
}

const uploadRuns = (published: Array<{ id: string; command: { hostId: string; phase?: string; kind: string } }>) =>
  published.filter((p) => p.command.phase === 'UPLOAD' && p.command.kind === 'run').map((p) => p.command.hostId);

describe('parallel: waves of node commands in the coordinator', () => {
  it('sends one UPLOAD at a time across two coordinators, the next when one completes, then COMMIT', async () => {
    const { a, b, record } = await twoCoordinators();
    // the submit handler dispatches the pending nodes: only the admitted one
    await a.commands.dispatchPending(record());
    expect(uploadRuns(a.published)).toEqual(['h1']);
    expect(record().nodes?.h2.state).toBe('WAITING');
    // the node's own request carries no `parallel`: a node-local request refuses it
    expect(a.published[0].command.request).not.toHaveProperty('parallel');

    await a.handle(event('h1', 'started'));
    expect(uploadRuns(a.published)).toEqual(['h1']); // a start frees no slot
    await b.handle(event('h1', 'completed'));
    expect(uploadRuns(b.published)).toEqual(['h2']);
    expect(pendingNodes(record()).map((n) => n.hostId)).toEqual(['h2']);

    // h2's result delivered to both coordinators at once (a redelivery racing the first delivery)
    await Promise.all([a.handle(event('h2', 'completed')), b.handle(event('h2', 'completed'))]);
    const h3 = [...a.published, ...b.published].filter((p) => p.command.hostId === 'h3' && p.command.phase === 'UPLOAD');
    expect(new Set(h3.map((p) => p.id)).size).toBe(1); // same message id: JetStream keeps one
    expect(pendingNodes(record()).map((n) => n.hostId)).toEqual(['h3']);

    await a.handle(event('h3', 'completed'));
    expect(record().phase).toBe('COMMIT');
    expect(a.published.some((p) => p.command.phase === 'COMMIT')).toBe(true);
  });

  it('a coordinator that died after admitting the next node but before sending: the redelivered event sends it', async () => {
    const { store, b, record } = await twoCoordinators();
    // the dying coordinator's write: h1 completed, h2 admitted; its send never happened
    await store.mutate(ID, (current) => applyNodeEvent(current, event('h1', 'completed'), NOW, backupPlan.phases(current)));
    expect(record().nodes?.h2.state).toBe('PENDING');
    await b.handle(event('h1', 'completed'));
    expect(uploadRuns(b.published)).toEqual(['h2']);
    expect(record().nodes?.h3.state).toBe('WAITING');
  });

  it('does not time out a WAITING node: it was never sent its command', async () => {
    const { store, record } = await twoCoordinators();
    const clock = clockAt(NOW);
    const { commands } = recordingCommands(clock);
    // h3's agent has been silent for a minute: it is not asked anything before its turn
    const registry = registryOf([
      { registration: registration('h1'), heartbeatAgeMs: 100 },
      { registration: registration('h2'), heartbeatAgeMs: 100 },
      { registration: registration('h3'), heartbeatAgeMs: 60_000 },
    ]);
    const config = { nodeTimeoutMs: 10_000, restoreImportGraceMs: 300_000, defaultOperationTimeoutMs: 3600_000, sweepIntervalMs: 1000 };
    const sweeper = new HeartbeatSweeper(
      store.asStore(),
      registry,
      commands,
      clock,
      config as CoordinatorConfig,
      pauseWindowsOver(store.asStore(), commands, clock),
    );
    await sweeper.tick();
    expect(record().nodes?.h3.state).toBe('WAITING');
    expect(record().state).toBe('RUNNING');
  });

  it('fails a silent node that was sent its command, and cancels the WAITING ones: the backup fails, nothing hangs', async () => {
    const { store, record } = await twoCoordinators();
    const clock = clockAt(NOW);
    const { commands } = recordingCommands(clock);
    const registry = registryOf(HOSTS.map((h) => ({ registration: registration(h), heartbeatAgeMs: h === 'h1' ? 60_000 : 100 })));
    const config = { nodeTimeoutMs: 10_000, restoreImportGraceMs: 300_000, defaultOperationTimeoutMs: 3600_000, sweepIntervalMs: 1000 };
    const sweeper = new HeartbeatSweeper(
      store.asStore(),
      registry,
      commands,
      clock,
      config as CoordinatorConfig,
      pauseWindowsOver(store.asStore(), commands, clock),
    );
    await sweeper.tick();
    expect(record().nodes?.h1).toMatchObject({ state: 'FAILED', message: expect.stringContaining('stopped heartbeating') });
    expect(record().nodes?.h2).toMatchObject({ state: 'CANCELLED', message: expect.stringContaining('not run: node h1 failed') });
    expect(record().state).toBe('FAILED');
  });

  it('the sweeper admits the nodes waiting for a maintenance window once it opens, and sends their commands', async () => {
    const outside = new Date('2026-01-01T00:00:30Z');
    const base = newOperationRecord(
      ID,
      plainToInstance(BackupRequest, {
        type: 'backup',
        globalRequest: true,
        storageLocation: 's3://b',
        maintenanceWindow: { start: '* * * * *', duration: '15s' },
      }),
      outside,
      SCHEMA_VERSION,
    );
    const registered = HOSTS.map((h) => ({ registration: registration(h), heartbeatAgeMs: 0 }));
    const plan = planTargets(base.request, registered, 1000);
    if (!plan.ok) throw new Error(plan.error);
    const context = backupPlan.context(
      base,
      plan.targets,
      registered.map((r) => r.registration),
      outside,
    );
    const store = new MemoryOperationStore();
    await store.create(startOperation(base, plan.targets, outside, backupPlan.phases(base), context) as OperationRecord);
    const config = { nodeTimeoutMs: 10_000, restoreImportGraceMs: 300_000, defaultOperationTimeoutMs: 3600_000, sweepIntervalMs: 1000 };
    const sweepAt = async (now: Date) => {
      const clock = clockAt(now);
      const { commands, published } = recordingCommands(clock);
      const sweeper = new HeartbeatSweeper(
        store.asStore(),
        registryOf(registered),
        commands,
        clock,
        config as CoordinatorConfig,
        pauseWindowsOver(store.asStore(), commands, clock),
      );
      await sweeper.tick();
      return published;
    };
    expect(await sweepAt(new Date('2026-01-01T00:00:50Z'))).toEqual([]);
    expect(Object.values(store.records.get(ID)?.nodes ?? {}).map((n) => n.state)).toEqual(['WAITING', 'WAITING', 'WAITING']);
    const sent = await sweepAt(new Date('2026-01-01T00:01:02Z'));
    expect(uploadRuns(sent).sort()).toEqual(HOSTS);
    expect(sent[0].command.request).not.toHaveProperty('maintenanceWindow');
    expect(Object.values(store.records.get(ID)?.nodes ?? {}).map((n) => n.state)).toEqual(['PENDING', 'PENDING', 'PENDING']);
    // a later sweep sends nothing again
    expect(await sweepAt(new Date('2026-01-01T00:01:04Z'))).toEqual([]);
  });
});
