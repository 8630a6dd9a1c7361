import { Logger } from '@nestjs/common';
import { applyNodeEvent, OperationRecord, OperationState, SCHEMA_VERSION, startOperation } from '@daedalus/contracts';
import { RetryableError } from '@daedalus/messaging';
import { clockAt, MemoryOperationStore, recordingCommands } from '../operations/handler-fakes';
import { planTargets } from '../operations/target-planner';
import { NOW, registration, restoreRecord } from '../operations/test-fixtures';
import { restorePlan } from '../plans/restore.plan';
import { CancelHandler } from './cancel.handler';

const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const cancel = { schemaVersion: SCHEMA_VERSION, operationId: ID, requestedAt: NOW.toISOString() };

/** A global restore on h1, h2 in INIT, where h1 already completed. */
function runningRestore(): OperationRecord {
  const base = restoreRecord({}, ID);
  const plan = planTargets(
    base.request,
    ['h1', 'h2'].map((h) => ({ registration: registration(h), heartbeatAgeMs: 0 })),
    1000,
  );
  if (!plan.ok) throw new Error(plan.error);
  const steps = restorePlan.phases(base);
  const started = startOperation(base, plan.targets, NOW, steps, { clusterName: 'test' }) as OperationRecord;
  const event = {
    schemaVersion: SCHEMA_VERSION,
    kind: 'completed' as const,
    operationId: ID,
    hostId: 'h1',
    progress: 1,
    phase: 'INIT',
    at: '',
  };
  return applyNodeEvent(started, event, NOW, steps) as OperationRecord;
}

async function harness(record?: OperationRecord) {
  const store = new MemoryOperationStore();
  if (record) await store.create(record);
  const clock = clockAt(NOW);
  const { commands, published, announced } = recordingCommands(clock);
  return { handler: new CancelHandler(store.asStore(), commands, clock), published, announced, record: () => store.records.get(ID) };
}

describe('CancelHandler', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('cancels a pending operation at once, commanding no node', async () => {
    const { handler, published, announced, record } = await harness(restoreRecord({}, ID));
    await handler.handle(cancel);
    expect(record()).toMatchObject({ state: OperationState.CANCELLED, cancelRequested: true, completionTime: NOW.toISOString() });
    expect(announced.map((r) => r.state)).toEqual([OperationState.CANCELLED]);
    expect(published).toEqual([]);
  });

  it('marks a running operation and forwards the cancel to the nodes that still owe a result in the current phase', async () => {
    const { handler, published, record } = await harness(runningRestore());
    await handler.handle(cancel);
    expect(record()).toMatchObject({ state: OperationState.RUNNING, cancelRequested: true, phase: 'INIT' });
    expect(published.map((p) => [p.subject, p.id, p.command.kind])).toEqual([
      ['daedalus.commands.h2', `command.${ID}.h2.cancel.INIT`, 'cancel'],
    ]);
  });

  it('is safe to run twice: a repeat changes nothing and forwards the same cancel, which JetStream drops', async () => {
    const { handler, published, record } = await harness(runningRestore());
    await handler.handle(cancel);
    const marked = record();
    await handler.handle(cancel);
    expect(record()).toEqual(marked);
    expect(published.map((p) => p.id)).toEqual([`command.${ID}.h2.cancel.INIT`, `command.${ID}.h2.cancel.INIT`]);
  });

  it('leaves a finished operation alone, and waits for one it does not know yet', async () => {
    const done = { ...restoreRecord({}, ID), state: OperationState.COMPLETED };
    const finished = await harness(done);
    await finished.handler.handle(cancel);
    expect(finished.record()).toEqual(done);
    expect(finished.published).toEqual([]);
    await expect((await harness()).handler.handle(cancel)).rejects.toThrow(RetryableError);
  });
});
