import {
  NodeEventKind,
  NodeEventMessage,
  NodeProgress,
  OperationRecord,
  OperationState,
  SCHEMA_VERSION,
  startOperation,
  Subjects,
} from '@daedalus/contracts';
import { FatalError } from '@daedalus/messaging';
import { clockAt, MemoryOperationStore, pauseWindowsOver, recordingCommands } from '../operations/handler-fakes';
import { flushRecord, NOW } from '../operations/test-fixtures';
import { NodeEventHandler } from './node-event.handler';

/** Node events of one operation handled at once are folded into one record write (GroupedMutations). */

const NODES = 50;
const hostId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const hosts = Array.from({ length: NODES }, (_, i) => hostId(i + 1));

function runningFlush(): OperationRecord {
  const targets: NodeProgress[] = hosts.map((h, i) => ({
    hostId: h,
    address: `10.0.0.${i}`,
    dc: 'dc1',
    state: OperationState.PENDING,
    progress: 0,
  }));
  return startOperation(flushRecord({ globalRequest: true }), targets, NOW) as OperationRecord;
}

const event = (host: string, kind: NodeEventKind): NodeEventMessage => ({
  schemaVersion: SCHEMA_VERSION,
  kind,
  operationId: 'op-1',
  hostId: host,
  progress: kind === 'completed' ? 1 : 0,
  at: NOW.toISOString(),
});

async function harness() {
  const store = new MemoryOperationStore();
  await store.create(runningFlush());
  const writes = jest.spyOn(store, 'mutate');
  const clock = clockAt(NOW);
  const { commands, announced } = recordingCommands(clock);
  const handler = new NodeEventHandler(store.asStore(), commands, clock, pauseWindowsOver(store.asStore(), commands, clock));
  const handle = (e: NodeEventMessage) =>
    handler.handle(e, { subject: Subjects.eventsFor(e.operationId, e.hostId), attempt: 1, isLastAttempt: false });
  return { handle, writes, announced, record: () => store.records.get('op-1') as OperationRecord };
}

describe('NodeEventHandler: events of one operation handled at once', () => {
  it('writes them together: every node’s result lands, in a few writes, each announced once', async () => {
    const { handle, writes, announced, record } = await harness();
    await Promise.all(hosts.map((h) => handle(event(h, 'started'))));
    await Promise.all(hosts.map((h) => handle(event(h, 'completed'))));

    expect(record().state).toBe(OperationState.COMPLETED);
    expect(Object.values(record().nodes ?? {}).every((n) => n.state === OperationState.COMPLETED)).toBe(true);
    // one event alone, then the rest that arrived while it was written: 2 writes per wave of 50, not 50
    expect(writes).toHaveBeenCalledTimes(4);
    expect(announced).toHaveLength(4);
    expect(announced[3].state).toBe(OperationState.COMPLETED);
    // every entry carries the digest of its request (hashed once, when the entries were made)
    expect(Object.values(record().nodes ?? {}).every((n) => typeof n.requestDigest === 'string')).toBe(true);
  });

  it('is safe to run twice: every event delivered again changes nothing', async () => {
    const { handle, record } = await harness();
    await Promise.all(hosts.flatMap((h) => [handle(event(h, 'started')), handle(event(h, 'completed'))]));
    const finished = structuredClone(record());
    await Promise.all(hosts.flatMap((h) => [handle(event(h, 'started')), handle(event(h, 'completed'))]));
    expect(record()).toEqual(finished);
    expect(finished.state).toBe(OperationState.COMPLETED);
  });

  it('refuses an event the record does not owe (dead-lettered) without holding back the others of its write', async () => {
    const { handle, record } = await harness();
    const stranger = hostId(9999);
    const outcomes = await Promise.allSettled([
      handle(event(hosts[0], 'completed')),
      handle(event(stranger, 'completed')),
      ...hosts.slice(1).map((h) => handle(event(h, 'completed'))),
    ]);
    const refused = outcomes[1];
    expect(refused.status).toBe('rejected');
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(FatalError);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(NODES);
    expect(record().state).toBe(OperationState.COMPLETED);
  });
});
