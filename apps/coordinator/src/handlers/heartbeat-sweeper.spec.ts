import { OperationRecord, OperationState } from '@daedalus/contracts';
import { Clock, NodeRegistry, OperationStore, RegisteredNodeView } from '@daedalus/messaging';
import { NodeCommands } from '../adapters/node-commands';
import { CoordinatorConfig } from '../coordinator-config';
import { startOperation } from '../operations/operation-lifecycle';
import { planTargets } from '../operations/target-planner';
import { flushRecord, NOW, registration } from '../operations/test-fixtures';
import { HeartbeatSweeper } from './heartbeat-sweeper';

function runningOn(hostIds: string[]): OperationRecord {
  const base = flushRecord({ globalRequest: true });
  const plan = planTargets(base.request, hostIds.map((h) => ({ registration: registration(h), heartbeatAgeMs: 0 })), 1000);
  if (!plan.ok) throw new Error(plan.error);
  return startOperation(base, plan.targets, NOW) as OperationRecord;
}

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
    const config = { nodeTimeoutMs: 10_000, defaultOperationTimeoutMs: 3600_000, sweepIntervalMs: 1000 } as CoordinatorConfig;
    return { instance: new HeartbeatSweeper(operations, nodes, commands, clock, config), stored: () => stored };
  }

  it('does not fail a node that a listing missed but whose own entry is fresh', async () => {
    const fresh = { registration: registration('h2'), heartbeatAgeMs: 500 };
    const { instance, stored } = sweeper(runningOn(['h1', 'h2']), [{ registration: registration('h1'), heartbeatAgeMs: 500 }], { h2: fresh });
    await instance.tick();
    expect(stored().nodes?.h2.state).toBe(OperationState.PENDING);
  });

  it('fails a node whose own entry confirms it stopped heartbeating, naming the reason', async () => {
    const stale = { registration: registration('h2'), heartbeatAgeMs: 60_000 };
    const { instance, stored } = sweeper(runningOn(['h1', 'h2']), [{ registration: registration('h1'), heartbeatAgeMs: 500 }, stale], { h2: stale });
    await instance.tick();
    expect(stored().nodes?.h2).toMatchObject({ state: OperationState.FAILED, message: expect.stringContaining('stopped heartbeating (last heartbeat 60 s ago') });
    expect(stored().nodes?.h1.state).toBe(OperationState.PENDING);
  });
});
