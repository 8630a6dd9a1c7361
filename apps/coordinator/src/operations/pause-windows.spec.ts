import { plainToInstance } from 'class-transformer';
import {
  beginPause,
  BackupRequest,
  HookCallOutcome,
  newOperationRecord,
  OperationRecord,
  OperationState,
  PhaseStep,
  SCHEMA_VERSION,
  startOperation,
} from '@daedalus/contracts';
import { Clock } from '@daedalus/common';
import { HookAction, PauseHookClient } from '../adapters/pause-hooks';
import { MemoryOperationStore, pauseWindowsOver, recordingCommands } from './handler-fakes';

const ID = '00000000-0000-4000-8000-000000000001';
const START = new Date('2026-01-01T00:00:00Z');
const STEPS: PhaseStep[] = [
  { name: 'SNAPSHOT', on: 'all', cancelBefore: true, cancelDuring: true, weight: 0.02 },
  { name: 'UPLOAD', on: 'all', cancelBefore: true, cancelDuring: true, weight: 0.95 },
];
const MAX = 60_000;

/** Hooks that answer as scripted, recording every call (the HTTP adapter has its own spec). */
class ScriptedHooks {
  readonly calls: Array<{ name: string; action: HookAction }> = [];
  refuse = new Set<string>();
  constructor(private readonly clock: Clock) {}
  names = () => ['app', 'cache'];
  resumeBudgetMs = () => 1_000;
  call = async (name: string, action: HookAction): Promise<HookCallOutcome> => {
    this.calls.push({ name, action });
    return this.refuse.has(`${name}.${action}`)
      ? { ok: false, error: `${action} hook ${name} did not answer within 1000 ms` }
      : { ok: true, at: this.clock.now().toISOString() };
  };
}

async function harness() {
  let now = START;
  const clock = { now: () => now } as Clock;
  const store = new MemoryOperationStore();
  const request = plainToInstance(BackupRequest, {
    type: 'backup',
    globalRequest: true,
    storageLocation: 'file:///tmp/b',
    consistency: { pauseHooks: ['app', 'cache'] },
  });
  const started = startOperation(newOperationRecord(ID, request, START, SCHEMA_VERSION), nodes(), START, STEPS, {
    backupName: 'b-1',
    snapshotTag: 'b',
    clusterName: 'c1',
    participants: nodes().map(({ hostId, address, dc }) => ({ hostId, address, dc })),
  });
  await store.create(beginPause(started as OperationRecord, ['app', 'cache'], 'SNAPSHOT', START) as OperationRecord);
  const hooks = new ScriptedHooks(clock);
  const { commands, published } = recordingCommands(clock);
  const windows = pauseWindowsOver(store.asStore(), commands, clock, hooks as unknown as PauseHookClient, MAX);
  return {
    windows,
    hooks,
    published,
    record: () => store.records.get(ID) as OperationRecord,
    set: (change: (r: OperationRecord) => OperationRecord) => store.records.set(ID, change(store.records.get(ID) as OperationRecord)),
    advance: (ms: number) => (now = new Date(now.getTime() + ms)),
  };
}

function nodes() {
  return ['h1', 'h2'].map((hostId) => ({
    hostId,
    address: `10.0.0.${hostId.slice(1)}`,
    dc: 'dc1',
    state: OperationState.PENDING,
    progress: 0,
  }));
}

describe('PauseWindows', () => {
  it('pauses every hook, then lets the snapshot commands go; nothing is resumed while SNAPSHOT runs', async () => {
    const h = await harness();
    const paused = await h.windows.pause(h.record());
    expect(paused?.pauseWindow?.state).toBe('PAUSED');
    expect(h.hooks.calls).toEqual([
      { name: 'app', action: 'pause' },
      { name: 'cache', action: 'pause' },
    ]);
    await h.windows.settle(h.record());
    await h.windows.sweep(h.record());
    expect(h.hooks.calls.filter((c) => c.action === 'resume')).toEqual([]);
  });

  it('a hook that does not acknowledge fails the backup before any command, and every hook called is resumed', async () => {
    const h = await harness();
    h.hooks.refuse.add('cache.pause');
    expect(await h.windows.pause(h.record())).toBeUndefined();
    expect(h.record().state).toBe(OperationState.FAILED);
    expect(h.record().errors[0].message).toBe(
      'the application was not paused, so no node took a snapshot: pause hook cache did not answer within 1000 ms',
    );
    expect(h.published).toEqual([]);
    expect(h.hooks.calls.filter((c) => c.action === 'resume').map((c) => c.name)).toEqual(['app', 'cache']);
    expect(h.record().pauseWindow?.state).toBe('RESUMED');
  });

  it('resumes once the snapshot phase is over, once only', async () => {
    const h = await harness();
    await h.windows.pause(h.record());
    h.set((r) => ({ ...r, phase: 'UPLOAD' }));
    h.advance(2_000);
    await h.windows.settle(h.record());
    await h.windows.settle(h.record());
    expect(h.hooks.calls.filter((c) => c.action === 'resume')).toHaveLength(2);
    expect(h.record().pauseWindow).toMatchObject({ state: 'RESUMED', lengthMs: 2_000, closeReason: 'phase SNAPSHOT is over' });
  });

  it.each([OperationState.FAILED, OperationState.CANCELLED, OperationState.COMPLETED])(
    'resumes a backup that ended %s (the sweeper finds it: it is not settled yet)',
    async (state) => {
      const h = await harness();
      await h.windows.pause(h.record());
      h.set((r) => ({ ...r, state }));
      await h.windows.sweep(h.record());
      expect(h.record().pauseWindow?.state).toBe('RESUMED');
      expect(h.record().pauseWindow?.closeReason).toBe(`the operation ended ${state}`);
    },
  );

  it('the sweeper fails a backup whose window ran past the maximum, tells its nodes to cancel, and resumes', async () => {
    const h = await harness();
    await h.windows.pause(h.record());
    h.advance(MAX + 1);
    await h.windows.sweep(h.record());
    expect(h.record().state).toBe(OperationState.FAILED);
    expect(h.record().errors[0].message).toMatch(/longer than --max-pause-window-ms \(60000 ms\)/);
    expect(h.published.map((p) => p.id)).toEqual(expect.arrayContaining([expect.stringMatching(/cancel/)]));
    expect(h.record().pauseWindow?.state).toBe('RESUMED');
  });

  it('a coordinator that died while pausing: a redelivered submit pauses again and goes on', async () => {
    const h = await harness();
    // the record as the dead coordinator left it: PAUSING, nothing answered
    const again = await h.windows.pause(h.record());
    expect(again?.pauseWindow?.state).toBe('PAUSED');
  });

  it('a claim whose coordinator died is taken over once its lease is over; a resume that fails is recorded', async () => {
    const h = await harness();
    await h.windows.pause(h.record());
    h.set((r) => ({
      ...r,
      phase: 'UPLOAD',
      pauseWindow: r.pauseWindow && { ...r.pauseWindow, state: 'RESUMING' as never, resumeClaimedAt: START.toISOString(), resumeRounds: 1 },
    }));
    await h.windows.settle(h.record());
    expect(h.hooks.calls.filter((c) => c.action === 'resume')).toEqual([]);
    h.advance(1_000 + 5_001);
    h.hooks.refuse.add('cache.resume');
    await h.windows.settle(h.record());
    expect(h.record().pauseWindow).toMatchObject({ state: 'RESUME_FAILED', resumeRounds: 2 });
    expect(h.record().pauseWindow?.hooks.cache.error).toMatch(/did not answer/);
  });
});
