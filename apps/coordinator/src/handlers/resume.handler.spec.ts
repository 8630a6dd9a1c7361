import { checkMessage, OperationRecord, OperationState, ResumeOperationMessage, SCHEMA_VERSION, startOperation } from '@daedalus/contracts';
import { OperationStore, RetryableError } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { NodeCommands } from '../adapters/node-commands';
import { planTargets } from '../operations/target-planner';
import { NOW, registration, restoreRecord } from '../operations/test-fixtures';
import { restorePlan } from '../plans/restore.plan';
import { ResumeHandler } from './resume.handler';

/** A global restore on h1, h2 that failed in `phase` on h2 (h1 completed that phase). */
function failedIn(phase: string): OperationRecord {
  const base = restoreRecord();
  const plan = planTargets(
    base.request,
    ['h1', 'h2'].map((h) => ({ registration: registration(h), heartbeatAgeMs: 0 })),
    1000,
  );
  if (!plan.ok) throw new Error(plan.error);
  const record = startOperation(base, plan.targets, NOW, restorePlan.phases(base)) as OperationRecord;
  return {
    ...record,
    state: OperationState.FAILED,
    phase,
    completionTime: NOW.toISOString(),
    errors: [{ source: 'h2 (10.0.0.2)', message: `it broke (phase ${phase})` }],
    nodes: {
      h1: { ...(record.nodes?.h1 as NonNullable<OperationRecord['nodes']>[string]), phase, state: OperationState.COMPLETED, progress: 1 },
      h2: {
        ...(record.nodes?.h2 as NonNullable<OperationRecord['nodes']>[string]),
        phase,
        state: OperationState.FAILED,
        message: 'it broke',
      },
    },
  };
}

function harness(initial: OperationRecord | undefined) {
  let stored = initial;
  const sent: Array<{ hostId: string; resume?: number }> = [];
  const announced: OperationRecord[] = [];
  const operations = {
    get: async () => stored,
    reopen: async (_id: string, mutation: (r: OperationRecord) => OperationRecord | undefined) => {
      if (!stored) return undefined;
      stored = mutation(stored) ?? stored;
      return stored;
    },
  } as unknown as OperationStore;
  const commands = {
    announce: (record: OperationRecord) => void announced.push(record),
    dispatchPending: async (record: OperationRecord) => {
      for (const node of Object.values(record.nodes ?? {}).filter((n) => n.state === OperationState.PENDING)) {
        sent.push({ hostId: node.hostId, resume: record.resumeCount });
      }
    },
  } as unknown as NodeCommands;
  const handler = new ResumeHandler(operations, commands, { now: () => NOW } as Clock);
  return { handler, sent, announced, stored: () => stored as OperationRecord };
}

const message = (id: string, resumeCount?: number): ResumeOperationMessage => ({
  schemaVersion: SCHEMA_VERSION,
  operationId: id,
  requestedAt: NOW.toISOString(),
  ...(resumeCount === undefined ? {} : { resumeCount }),
});

describe('ResumeHandler', () => {
  it('resumes a restore that failed in IMPORT and sends the phase again to the node that did not finish it', async () => {
    const record = failedIn('IMPORT');
    const { handler, sent, announced, stored } = harness(record);
    await handler.handle(message(record.id, 0));
    expect(stored()).toMatchObject({ state: OperationState.RUNNING, phase: 'IMPORT', resumeCount: 1, errors: [] });
    expect(sent).toEqual([{ hostId: 'h2', resume: 1 }]);
    expect(announced).toHaveLength(1);

    // a redelivery (coordinator died before acking) changes nothing and re-sends (JetStream drops the repeat)
    await handler.handle(message(record.id, 0));
    expect(stored().resumeCount).toBe(1);
    expect(sent).toEqual([
      { hostId: 'h2', resume: 1 },
      { hostId: 'h2', resume: 1 },
    ]);
  });

  it('refuses a restore that failed before TRUNCATE, noting why in the record, sending nothing', async () => {
    const record = failedIn('DOWNLOAD');
    const { handler, sent, stored } = harness(record);
    await handler.handle(message(record.id));
    expect(stored().state).toBe(OperationState.FAILED);
    expect(stored().resumeRefused?.reason).toContain('before TRUNCATE');
    expect(sent).toEqual([]);
  });

  it('waits for an operation it does not know yet', async () => {
    const record = failedIn('IMPORT');
    await expect(harness(undefined).handler.handle(message(record.id))).rejects.toThrow(RetryableError);
  });

  it.each([[-1], ['0'], [1.5]])(
    'never gets a malformed count %p: the message is not a ResumeOperation (the transport dead-letters it)',
    (count) => {
      const checked = checkMessage(ResumeOperationMessage, { ...message(failedIn('IMPORT').id), resumeCount: count });
      expect(checked).toEqual({ ok: false, errors: [expect.stringContaining('resumeCount must be')] });
    },
  );
});
