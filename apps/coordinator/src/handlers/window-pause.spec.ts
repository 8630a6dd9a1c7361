import { NodeEventKind, NodeEventMessage, NodeState, OperationRecord, SCHEMA_VERSION, Subjects } from '@daedalus/contracts';
import { Clock } from '@daedalus/common';
import { CoordinatorConfig } from '../coordinator-config';
import { MemoryOperationStore, pauseWindowsOver, PublishedCommand, recordingCommands, registryOf } from '../operations/handler-fakes';
import { registration, startedGlobalBackup, uploadEvent } from '../operations/test-fixtures';
import { CancelHandler } from './cancel.handler';
import { HeartbeatSweeper } from './heartbeat-sweeper';
import { NodeEventHandler } from './node-event.handler';

const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const HOSTS = ['h1', 'h2', 'h3'];
/** a window of 15 s at the start of every minute */
const WINDOW = { start: '* * * * *', duration: '15s' };
const at = (time: string) => new Date(`2026-01-01T${time}Z`);
const CONFIG = { nodeTimeoutMs: 10_000, restoreImportGraceMs: 300_000, defaultOperationTimeoutMs: 3600_000, sweepIntervalMs: 1000 };

/** A global backup on three nodes of dc1 with the window and `parallel: 2`, started inside the window. */
const windowedBackup = (start: Date): OperationRecord => startedGlobalBackup(ID, HOSTS, { parallel: 2, maintenanceWindow: WINDOW }, start);

const event = (hostId: string, kind: NodeEventKind, round?: number): NodeEventMessage =>
  uploadEvent(ID, hostId, kind, { progress: 0.25, round, at: new Date() });

/** A coordinator replica over the shared store, with its own outbox and a clock the test moves. */
function coordinator(store: MemoryOperationStore, clock: { now: Date }, silentHosts: string[] = []) {
  const time = { now: () => clock.now } as Clock;
  const { commands, published } = recordingCommands(time);
  const windows = pauseWindowsOver(store.asStore(), commands, time);
  const registry = registryOf(
    HOSTS.map((h) => ({ registration: registration(h), heartbeatAgeMs: silentHosts.includes(h) ? 60_000 : 100 })),
  );
  const sweeper = new HeartbeatSweeper(store.asStore(), registry, commands, time, CONFIG as CoordinatorConfig, windows);
  const events = new NodeEventHandler(store.asStore(), commands, time, windows);
  const cancels = new CancelHandler(store.asStore(), commands, time);
  const handle = (e: NodeEventMessage) =>
    events.handle(e, { subject: Subjects.eventsFor(e.operationId, e.hostId), attempt: 1, isLastAttempt: false });
  const take = () => published.splice(0);
  return { sweeper, handle, cancels, commands, take };
}

const sent = (published: PublishedCommand[], kind: string) =>
  published
    .filter((p) => p.command.kind === kind)
    .map((p) => p.command.hostId)
    .sort();

async function setUp() {
  const clock = { now: at('00:00:02') };
  const store = new MemoryOperationStore();
  await store.create(windowedBackup(clock.now));
  const a = coordinator(store, clock);
  const b = coordinator(store, clock);
  const record = () => store.records.get(ID) as OperationRecord;
  const states = () => Object.fromEntries(Object.values(record().nodes ?? {}).map((n) => [n.hostId, n.state]));
  await a.commands.dispatchPending(record());
  expect(sent(a.take(), 'run')).toEqual(['h1', 'h2']);
  await a.handle(event('h1', 'started'));
  await b.handle(event('h2', 'started'));
  a.take(); // a start re-sends the admitted nodes' commands (same ids): not what these tests look at
  b.take();
  return { clock, store, a, b, record, states };
}

describe('pause at the end of a maintenance window, resume in the next', () => {
  it('two sweepers racing: pause the running nodes once the window closes, re-admit them in a new round when it opens', async () => {
    const { clock, a, b, record, states } = await setUp();

    // inside the window nothing is paused
    clock.now = at('00:00:10');
    await Promise.all([a.sweeper.tick(), b.sweeper.tick()]);
    expect([...a.take(), ...b.take()]).toEqual([]);

    // the window closed at 00:00:15: both replicas ask the running nodes to pause, under one message id per node
    clock.now = at('00:00:16');
    await Promise.all([a.sweeper.tick(), b.sweeper.tick()]);
    const pauses = [...a.take(), ...b.take()].filter((p) => p.command.kind === 'pause');
    expect(pauses.map((p) => p.command.hostId).sort()).toEqual(['h1', 'h1', 'h2', 'h2']);
    expect(new Set(pauses.map((p) => p.id))).toEqual(new Set([`command.${ID}.h1.pause.UPLOAD`, `command.${ID}.h2.pause.UPLOAD`]));
    // nothing is written until the agents say they stopped
    expect(states()).toEqual({ h1: 'RUNNING', h2: 'RUNNING', h3: 'WAITING' });

    await Promise.all([a.handle(event('h1', 'paused')), b.handle(event('h2', 'paused'))]);
    expect(states()).toEqual({ h1: 'PAUSED', h2: 'PAUSED', h3: 'WAITING' });
    expect(record().nodes?.h1.message).toBe("paused at the window's end; resumes when the window opens at 2026-01-01T00:01:00.000Z");
    expect(record().nodes?.h1.progress).toBe(0.25);
    expect(record().state).toBe('RUNNING');

    // while closed: no command to anyone, and the paused nodes are not asked again
    clock.now = at('00:00:40');
    await Promise.all([a.sweeper.tick(), b.sweeper.tick()]);
    expect([...a.take(), ...b.take()]).toEqual([]);

    // the window opens: the paused nodes first (parallel: 2), in their next round; h3 still waits its turn
    clock.now = at('00:01:01');
    await Promise.all([a.sweeper.tick(), b.sweeper.tick()]);
    const runs = [...a.take(), ...b.take()].filter((p) => p.command.kind === 'run');
    expect(new Set(runs.map((p) => p.id))).toEqual(new Set([`command.${ID}.h1.run.UPLOAD.round1`, `command.${ID}.h2.run.UPLOAD.round1`]));
    expect(runs.every((p) => p.command.round === 1)).toBe(true);
    expect(states()).toEqual({ h1: 'PENDING', h2: 'PENDING', h3: 'WAITING' });
    expect(record().nodes?.h1).toMatchObject({ round: 1, progress: 0.25 });
    expect(record().nodes?.h1.message).toBeUndefined();

    // the earlier round's late events change nothing
    await a.handle(event('h1', 'started'));
    await b.handle(event('h1', 'completed'));
    expect(states()).toEqual({ h1: 'PENDING', h2: 'PENDING', h3: 'WAITING' });

    // the new round's result frees a slot: h3's turn
    a.take();
    b.take();
    await a.handle(event('h1', 'started', 1));
    await b.handle(event('h1', 'completed', 1));
    expect(states()).toEqual({ h1: 'COMPLETED', h2: 'PENDING', h3: 'PENDING' });
    expect(sent(b.take(), 'run')).toEqual(['h2', 'h3']); // h2's is its round-1 command again: the same id
    await a.handle(event('h2', 'completed', 1));
    await a.handle(event('h3', 'completed'));
    expect(record().phase).toBe('COMMIT');
  });

  it('a node whose agent had not started is paused as it reports; a paused node is neither timed out nor sent anything', async () => {
    const { clock, store, a, states } = await setUp();
    clock.now = at('00:00:20');
    await a.handle(event('h1', 'paused'));
    await a.handle(event('h2', 'paused'));
    // h1's agent is silent for a minute while paused: nothing owes a result, so nothing fails
    const silent = coordinator(store, clock, ['h1']);
    await silent.sweeper.tick();
    expect(states()).toEqual({ h1: 'PAUSED', h2: 'PAUSED', h3: 'WAITING' });
    expect(silent.take()).toEqual([]);
  });

  it('a result of the paused round that ended just before the pause took hold counts', async () => {
    const { clock, a, states } = await setUp();
    clock.now = at('00:00:20');
    await a.handle(event('h1', 'paused'));
    await a.handle(event('h1', 'completed'));
    expect(states().h1).toBe('COMPLETED');
  });

  it('a cancel of an operation whose nodes are paused or waiting ends it at once, sending no command', async () => {
    const { clock, a, b, record, states } = await setUp();
    clock.now = at('00:00:20');
    await a.handle(event('h1', 'paused'));
    await b.handle(event('h2', 'paused'));
    await a.cancels.handle({ schemaVersion: SCHEMA_VERSION, operationId: ID, requestedAt: clock.now.toISOString() });
    expect(states()).toEqual({ h1: 'CANCELLED', h2: 'CANCELLED', h3: 'CANCELLED' });
    expect(record().nodes?.h1.message).toBe('not resumed: the operation was cancelled before its turn came');
    expect(record().state).toBe('CANCELLED');
    expect(sent(a.take(), 'cancel')).toEqual([]);
  });

  it('a node that failed while others are paused cancels them: the backup fails, nothing waits for the next window', async () => {
    const { clock, a, record, states } = await setUp();
    clock.now = at('00:00:20');
    await a.handle(event('h1', 'paused'));
    await a.handle({ ...event('h2', 'failed'), message: 'disk full' });
    expect(states()).toEqual({ h1: 'CANCELLED', h2: 'FAILED', h3: 'CANCELLED' });
    expect(record().state).toBe('FAILED');
  });

  it('never pauses a phase that is not pausable (COMMIT), nor a backup without a window', async () => {
    const { clock, a, record } = await setUp();
    await a.handle(event('h1', 'completed'));
    await a.handle(event('h2', 'completed'));
    await a.handle(event('h3', 'completed'));
    expect(record().phase).toBe('COMMIT');
    a.take();
    clock.now = at('00:00:30');
    await a.sweeper.tick();
    expect(sent(a.take(), 'pause')).toEqual([]);
    expect(Object.values(record().nodes ?? {}).some((n) => n.state === NodeState.PAUSED)).toBe(false);
  });
});
