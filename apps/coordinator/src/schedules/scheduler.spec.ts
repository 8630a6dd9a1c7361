import { JetStreamClient } from '@nats-io/jetstream';
import { OperationState, parseScheduleDefinition, ScheduleEntry, scheduleOperationId } from '@daedalus/contracts';
import { ScheduleStore } from '@daedalus/messaging';
import { MemoryJsonKv } from '@daedalus/messaging/testing/memory-json-kv';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import { currentLogContext } from '@daedalus/common';
import { CoordinatorConfig } from '../coordinator-config';
import { MemoryOperationStore } from '../operations/handler-fakes';
import { Scheduler } from './scheduler';
import { ScheduleSubmitter } from './schedule-submitter';

const START = '2026-05-01T00:00:00Z';

/** Two coordinator replicas sharing one schedules bucket, one operations bucket and one (recording) JetStream. */
function twoReplicas(body: Record<string, unknown>) {
  const clock = new ManualClock(START);
  const kv = new MemoryJsonKv<ScheduleEntry>(clock);
  const schedules = new ScheduleStore(kv);
  const operations = new MemoryOperationStore();
  const published: string[] = [];
  /** the log context's operationId when each run was published (its lines' field) */
  const loggedAs: Array<string | undefined> = [];
  const js = {
    publish: async (_subject: string, _data: string, options: { msgID: string }) => {
      published.push(options.msgID);
      loggedAs.push(currentLogContext().operationId);
      return {};
    },
  } as unknown as JetStreamClient;
  const config = { scheduleIntervalMs: 1_000 } as CoordinatorConfig;
  const replica = () =>
    new Scheduler(schedules, operations.asStore(), new ScheduleSubmitter(operations.asStore(), js, clock), clock, config);
  const definition = parseScheduleDefinition(
    { id: 'often', request: { type: 'flush', keyspace: 'ks', globalRequest: true }, ...body },
    () => 'x',
  );
  const entry: ScheduleEntry = { definition, createdAt: START, updatedAt: START, anchor: START, cursor: START, runs: [] };
  return { clock, kv, schedules, operations, published, loggedAs, replicas: [replica(), replica()], entry };
}

/** Every operation a schedule's runs created ends at once (a cheap operation), so the next run is not skipped. */
function finishAll(operations: MemoryOperationStore): void {
  for (const [id, record] of operations.records) operations.records.set(id, { ...record, state: OperationState.COMPLETED });
}

describe('Scheduler (two replicas, a fake clock)', () => {
  it('@every 2s for 20 s looked at by both replicas at once: every due run submitted exactly once', async () => {
    const { clock, schedules, operations, replicas, entry } = twoReplicas({ schedule: '@every 2s' });
    await schedules.create(entry);
    for (let second = 1; second <= 20; second++) {
      clock.advance(1_000);
      await Promise.all(replicas.map((replica) => replica.tick()));
      finishAll(operations);
    }
    const due = Array.from({ length: 10 }, (_, i) => scheduleOperationId('often', new Date(Date.parse(START) + (i + 1) * 2_000)));
    expect([...operations.records.keys()].sort()).toEqual([...due].sort());
    for (const record of operations.records.values()) expect(record.submittedBy).toBe('schedule:often');
    const stored = await schedules.get('often');
    expect(stored?.runs.map((r) => [r.operationId, r.state])).toEqual(due.map((id) => [id, 'submitted']));
  });

  it('a replica that dies between submitting and recording: the other submits the same run again, which stays one operation', async () => {
    const { clock, kv, schedules, operations, published, replicas, entry } = twoReplicas({ schedule: '@every 2s' });
    await schedules.create(entry);
    clock.advance(2_000);
    // replica 0 submits, then its write of the entry never lands (it was killed)
    kv.beforeWrite = () => {
      throw new Error('killed');
    };
    await replicas[0].tick();
    kv.beforeWrite = undefined;
    expect(operations.records.size).toBe(1);
    await replicas[1].tick();
    const id = scheduleOperationId('often', new Date(Date.parse(START) + 2_000));
    expect([...operations.records.keys()]).toEqual([id]);
    // published twice under one message id: JetStream's duplicate window drops the second
    expect(published).toEqual([`submit.${id}`, `submit.${id}`]);
    expect((await schedules.get('often'))?.runs).toMatchObject([{ operationId: id, state: 'submitted' }]);
  });

  it("submits each run inside its operation's log context: the submission's lines name the operation", async () => {
    const { clock, schedules, published, loggedAs, replicas, entry } = twoReplicas({ schedule: '@every 2s' });
    await schedules.create(entry);
    clock.advance(2_000);
    await replicas[0].tick();
    const id = scheduleOperationId('often', new Date(Date.parse(START) + 2_000));
    expect(published).toEqual([`submit.${id}`]);
    expect(loggedAs).toEqual([id]);
    expect(currentLogContext()).toEqual({});
  });

  it('a suspended schedule fires nothing', async () => {
    const { clock, schedules, operations, published, replicas, entry } = twoReplicas({ schedule: '@every 2s', suspended: true });
    await schedules.create(entry);
    for (let second = 1; second <= 10; second++) {
      clock.advance(1_000);
      await Promise.all(replicas.map((replica) => replica.tick()));
    }
    expect(operations.records.size).toBe(0);
    expect(published).toEqual([]);
    expect((await schedules.get('often'))?.runs).toEqual([]);
  });

  it('skip: runs due while the previous operation is still going are recorded skipped', async () => {
    const { clock, schedules, operations, replicas, entry } = twoReplicas({ schedule: '@every 2s' });
    await schedules.create(entry);
    for (let second = 1; second <= 6; second++) {
      clock.advance(1_000);
      await replicas[second % 2].tick();
    }
    expect(operations.records.size).toBe(1);
    expect((await schedules.get('often'))?.runs.map((r) => r.state)).toEqual(['submitted', 'skipped', 'skipped']);
  });
});
