import { pauseWindowsOver } from '../operations/handler-fakes';
import { OperationRecord, OperationState, startOperation } from '@daedalus/contracts';
import { NodeRegistry, OperationStore, RegisteredNodeView } from '@daedalus/messaging';
import { Clock, ConfigReader } from '@daedalus/common';
import { NodeCommands } from '../adapters/node-commands';
import { CoordinatorConfig } from '../coordinator-config';
import { planTargets } from '../operations/target-planner';
import { flushRecord, NOW, registration, restoreRecord } from '../operations/test-fixtures';
import { restorePlan } from '../plans/restore.plan';
import { HeartbeatSweeper, operationDeadline, sweepVerdict } from './heartbeat-sweeper';

function runningOn(hostIds: string[], base = flushRecord({ globalRequest: true })): OperationRecord {
  const plan = planTargets(
    base.request,
    hostIds.map((h) => ({ registration: registration(h), heartbeatAgeMs: 0 })),
    1000,
  );
  if (!plan.ok) throw new Error(plan.error);
  return startOperation(base, plan.targets, NOW, base.type === 'restore' ? restorePlan.phases(base) : []) as OperationRecord;
}

/** A global restore whose nodes are in `phase` (the ledger marks a truncate once past TRUNCATE). */
function restoreIn(phase: string, hostIds = ['h1', 'h2']): OperationRecord {
  const record = runningOn(hostIds, restoreRecord());
  const nodes = Object.fromEntries(Object.values(record.nodes ?? {}).map((n) => [n.hostId, { ...n, phase }]));
  const ledger = ['IMPORT', 'CLEANUP'].includes(phase) ? { restoreLedger: { truncated: ['ks.t'], imported: {} } } : {};
  return { ...record, phase, nodes, ...ledger };
}

const LIMITS = { nodeTimeoutMs: 10_000, restoreImportGraceMs: 300_000, defaultOperationTimeoutMs: 3600_000 };
const view = (heartbeatAgeMs: number, hostId = 'h2'): RegisteredNodeView => ({ registration: registration(hostId), heartbeatAgeMs });

describe('HeartbeatSweeper', () => {
  function sweeper(record: OperationRecord, listed: RegisteredNodeView[], direct: Record<string, RegisteredNodeView | undefined>) {
    let stored = record;
    const operations = {
      listActive: async () => [stored],
      mutate: async (_id: string, mutation: (r: OperationRecord) => OperationRecord | undefined) => {
        const next = mutation(stored);
        if (next) stored = next;
        return next;
      },
    } as unknown as OperationStore;
    const nodes = { list: async () => listed, get: async (hostId: string) => direct[hostId] } as unknown as NodeRegistry;
    const commands = { announce: () => undefined } as unknown as NodeCommands;
    const clock = { now: () => NOW } as Clock;
    const config = { ...LIMITS, sweepIntervalMs: 1000 } as CoordinatorConfig;
    return {
      instance: new HeartbeatSweeper(operations, nodes, commands, clock, config, pauseWindowsOver(operations, commands, clock)),
      stored: () => stored,
    };
  }

  it('does not fail a node that a listing missed but whose own entry is fresh', async () => {
    const fresh = { registration: registration('h2'), heartbeatAgeMs: 500 };
    const { instance, stored } = sweeper(runningOn(['h1', 'h2']), [{ registration: registration('h1'), heartbeatAgeMs: 500 }], {
      h2: fresh,
    });
    await instance.tick();
    expect(stored().nodes?.h2.state).toBe(OperationState.PENDING);
  });

  it('fails a node whose own entry confirms it stopped heartbeating, naming the reason', async () => {
    const stale = { registration: registration('h2'), heartbeatAgeMs: 60_000 };
    const { instance, stored } = sweeper(runningOn(['h1', 'h2']), [{ registration: registration('h1'), heartbeatAgeMs: 500 }, stale], {
      h2: stale,
    });
    await instance.tick();
    expect(stored().nodes?.h2).toMatchObject({
      state: OperationState.FAILED,
      message: expect.stringContaining('stopped heartbeating (last heartbeat 60 s ago'),
    });
    expect(stored().nodes?.h1.state).toBe(OperationState.PENDING);
  });

  it('counts no silence from before NATS last failed it: a broker outage fails no node, a node silent after it is failed', async () => {
    let now = NOW.getTime();
    let brokerDown = true;
    const stale = () => view(11_000 + (now - NOW.getTime()));
    let stored = runningOn(['h1', 'h2']);
    const operations = {
      listActive: async () => {
        if (brokerDown) throw new Error('timeout');
        return [stored];
      },
      mutate: async (_id: string, mutation: (r: OperationRecord) => OperationRecord | undefined) => (stored = mutation(stored) ?? stored),
    } as unknown as OperationStore;
    const nodes = { list: async () => [view(500, 'h1'), stale()], get: async (h: string) => (h === 'h2' ? stale() : view(500, 'h1')) };
    const clock = { now: () => new Date(now) } as Clock;
    const commands = { announce: () => undefined } as unknown as NodeCommands;
    const config = { ...LIMITS, sweepIntervalMs: 1000 } as CoordinatorConfig;
    const instance = new HeartbeatSweeper(
      operations,
      nodes as unknown as NodeRegistry,
      commands,
      clock,
      config,
      pauseWindowsOver(operations, commands, clock),
    );
    await instance.tick();
    brokerDown = false;
    now += 1_000;
    await instance.tick();
    expect(stored.nodes?.h2.state).toBe(OperationState.PENDING);
    now += 9_500;
    await instance.tick();
    expect(stored.nodes?.h2.state).toBe(OperationState.FAILED);
    expect(stored.nodes?.h2.message).toMatch(/stopped heartbeating/);
  });

  it('gives a silent node of a restore past TRUNCATE the grace, saying so in its entry, then fails it naming the resume', async () => {
    const record = restoreIn('IMPORT');
    const silent = view(60_000);
    const { instance, stored } = sweeper(record, [view(500, 'h1'), silent], { h2: silent });
    await instance.tick();
    expect(stored().state).toBe(OperationState.RUNNING);
    expect(stored().nodes?.h2).toMatchObject({
      state: OperationState.PENDING,
      message: expect.stringContaining('waits up to 300 s for it to come back'),
    });

    const gone = view(301_000);
    const late = sweeper(stored(), [view(500, 'h1'), gone], { h2: gone });
    await late.instance.tick();
    expect(late.stored().nodes?.h2).toMatchObject({ state: OperationState.FAILED });
    const message = late.stored().nodes?.h2.message ?? '';
    expect(message).toContain('node stopped heartbeating (last heartbeat 301 s ago; a restore in phase IMPORT waits 300 s');
    expect(message).toContain(`POST /operations/${record.id}/resume`);
  });
});

describe('sweepVerdict', () => {
  const now = NOW.getTime() + 60_000;

  it('waits (grace) for a node silent during TRUNCATE, IMPORT or CLEANUP of a restore', () => {
    for (const phase of ['TRUNCATE', 'IMPORT', 'CLEANUP']) {
      expect(sweepVerdict(restoreIn(phase), 'h2', view(60_000), now, LIMITS).action).toBe('wait');
      expect(sweepVerdict(restoreIn(phase), 'h2', view(5_000), now, LIMITS).action).toBe('none');
      const verdict = sweepVerdict(restoreIn(phase), 'h2', view(300_001), now, LIMITS);
      expect(verdict).toEqual({ action: 'fail', reason: expect.stringContaining('/resume') });
    }
  });

  it('keeps the ordinary timeout before TRUNCATE and for other operations, without a resume hint', () => {
    for (const record of [restoreIn('DOWNLOAD'), restoreIn('INIT'), runningOn(['h1', 'h2'])]) {
      const verdict = sweepVerdict(record, 'h2', view(10_001), now, LIMITS);
      expect(verdict).toEqual({ action: 'fail', reason: 'node stopped heartbeating (last heartbeat 10 s ago, timeout 10 s)' });
    }
  });

  it('fails an unregistered node at once, and a node of an operation past its deadline even in the grace', () => {
    expect(sweepVerdict(restoreIn('IMPORT'), 'h2', undefined, now, LIMITS)).toEqual({
      action: 'fail',
      reason: expect.stringMatching(/^node h2 is no longer registered\..*\/resume$/),
    });
    const overdue = NOW.getTime() + 2 * 3600_000;
    expect(sweepVerdict(restoreIn('IMPORT'), 'h2', view(60_000), overdue, LIMITS)).toEqual({
      action: 'fail',
      reason: expect.stringContaining('operation timed out after'),
    });
  });

  it('counts the deadline from the last resume', () => {
    const record = restoreIn('IMPORT');
    const resumedAt = new Date(NOW.getTime() + 5 * 3600_000).toISOString();
    expect(operationDeadline({ ...record, resumedAt }, 3600_000)).toBe(Date.parse(resumedAt) + 3600_000);
  });
});

describe('--restore-import-grace-ms', () => {
  const config = (...argv: string[]) => new CoordinatorConfig(new ConfigReader(argv, {}));

  it('defaults to 5 minutes, or the node timeout when that is longer', () => {
    expect(config().restoreImportGraceMs).toBe(300_000);
    expect(config('--node-timeout-ms', '600000').restoreImportGraceMs).toBe(600_000);
    expect(new CoordinatorConfig(new ConfigReader([], { DAEDALUS_RESTORE_IMPORT_GRACE_MS: '120000' })).restoreImportGraceMs).toBe(120_000);
  });

  it.each([['5000'], ['150000.5'], ['-1'], [String(8 * 24 * 3600_000)]])('refuses %s, naming the flag and its range', (value) => {
    expect(() => config('--restore-import-grace-ms', value)).toThrow(
      /--restore-import-grace-ms \(DAEDALUS_RESTORE_IMPORT_GRACE_MS\) must be a whole number of milliseconds from --node-timeout-ms \(30000\)/,
    );
  });
});
