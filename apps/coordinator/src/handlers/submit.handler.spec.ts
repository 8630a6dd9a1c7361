import { Logger } from '@nestjs/common';
import {
  checkMessage,
  newOperationRecord,
  OperationRequest,
  OperationState,
  requestDigest,
  SCHEMA_VERSION,
  SubmitOperationMessage,
} from '@daedalus/contracts';
import { FatalError } from '@daedalus/messaging';
import { CoordinatorConfig } from '../coordinator-config';
import {
  clockAt,
  MemoryOperationStore,
  pauseHookClientOf,
  pauseWindowsOver,
  recordingCommands,
  registryOf,
} from '../operations/handler-fakes';
import { NOW, registration } from '../operations/test-fixtures';
import { AskCoverage, CoverageAnswer, RangeCoverageClient } from '../adapters/range-coverage';
import { SubmitHandler } from './submit.handler';

const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const backup = { type: 'backup', globalRequest: true, storageLocation: 's3://bucket', snapshotTag: 'nightly' };
const submit = (request: Record<string, unknown>) => ({
  schemaVersion: SCHEMA_VERSION,
  operationId: ID,
  request,
  submittedAt: NOW.toISOString(),
});

function harness(heartbeatAgeMs = [0, 0], coverage: CoverageAnswer[] = []) {
  const store = new MemoryOperationStore();
  const clock = clockAt(NOW);
  const { commands, published, announced } = recordingCommands(clock);
  const nodes = registryOf(heartbeatAgeMs.map((age, i) => ({ registration: registration(`h${i + 1}`), heartbeatAgeMs: age })));
  const config = { nodeTimeoutMs: 10_000 } as CoordinatorConfig;
  const asked: Array<{ hostId: string; hostIds: string[]; entities?: string }> = [];
  const answers = [...coverage];
  const ask: AskCoverage = async (hostId, hostIds, entities) => {
    asked.push({ hostId, hostIds, entities });
    return answers.shift() ?? { ok: false, reason: 'no answer: TIMEOUT' };
  };
  const hooks = pauseHookClientOf(clock);
  const windows = pauseWindowsOver(store.asStore(), commands, clock, hooks);
  const handler = new SubmitHandler(store.asStore(), nodes, commands, clock, config, { ask } as RangeCoverageClient, hooks, windows);
  return { handler, store, published, announced, asked, record: () => store.records.get(ID) };
}

const covered: CoverageAnswer = { ok: true, coverage: { keyspaces: ['shop'], uncoveredCount: 0, uncovered: [] } };
const uncovered: CoverageAnswer = {
  ok: true,
  coverage: { keyspaces: ['solo'], uncoveredCount: 3, uncovered: [{ keyspace: 'solo', range: ['-10', '20'], replicas: ['h3'] }] },
};

describe('SubmitHandler', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('a consistent backup naming a hook this coordinator does not define (a direct NATS client) fails, naming the field', async () => {
    const { handler, published, record } = harness();
    await handler.handle(submit({ ...backup, consistency: { pauseHooks: ['app'] } }));
    expect(record()?.state).toBe(OperationState.FAILED);
    expect(record()?.errors[0].message).toContain('consistency.pauseHooks[0]: no pause hook named "app"');
    expect(published).toEqual([]);
  });

  it('starts a global backup in its first phase with the plan’s context, and commands every node', async () => {
    const { handler, published, announced, record } = harness();
    await handler.handle(submit(backup));
    const participants = [
      { hostId: 'h1', address: '10.0.0.1', dc: 'dc1' },
      { hostId: 'h2', address: '10.0.0.2', dc: 'dc1' },
    ];
    const context = { backupName: `nightly-${NOW.getTime()}`, snapshotTag: 'nightly', clusterName: 'test', participants };
    expect(record()).toMatchObject({ state: OperationState.RUNNING, phases: ['UPLOAD', 'COMMIT'], phase: 'UPLOAD', context });
    expect(announced.map((r) => r.state)).toEqual([OperationState.RUNNING]);
    expect(published.map((p) => [p.subject, p.id])).toEqual([
      ['daedalus.commands.h1', `command.${ID}.h1.run.UPLOAD`],
      ['daedalus.commands.h2', `command.${ID}.h2.run.UPLOAD`],
    ]);
    // each node's own copy of the request, under its own <bucket>/<cluster>/<dc>/<hostId>; the context; no results yet
    expect(published[0].command).toMatchObject({
      kind: 'run',
      type: 'backup',
      phase: 'UPLOAD',
      request: { storageLocation: 's3://bucket/test/dc1/h1', globalRequest: false, hostId: 'h1', id: ID },
      context,
      phaseResults: {},
    });
  });

  it('names in each node entry the digest of the request its commands carry (the agent runs only that request)', async () => {
    const { handler, published, record } = harness();
    await handler.handle(submit(backup));
    for (const { command } of published) {
      expect(record()?.nodes?.[command.hostId]?.requestDigest).toBe(requestDigest(command.request));
    }
  });

  it.each([
    ['a valid request of another type', { type: 'truncate', keyspace: 'shop', table: 'orders', globalRequest: true }],
    ['another backup', { ...backup, snapshotTag: 'other' }],
    ['an invalid request', { type: 'backup' }],
  ])('refuses %s under an existing id, leaving the operation exactly as it is', async (_what, other) => {
    const { handler, published, announced, record } = harness();
    await handler.handle(submit(backup));
    const before = structuredClone(record());
    const sent = published.length;
    await expect(handler.handle(submit(other))).rejects.toThrow(
      new FatalError(`submit of ${ID} refused: operation ${ID} already exists with a different request (left as it is)`),
    );
    expect(record()).toEqual(before);
    expect(published).toHaveLength(sent);
    expect(announced).toHaveLength(1);
  });

  it('starts a PENDING record another client wrote without the run state it came with (ledger, phases, resume count)', async () => {
    const { handler, store, record } = harness();
    const planted = {
      ...newOperationRecord(ID, { ...backup, id: ID } as unknown as OperationRequest, NOW, SCHEMA_VERSION),
      restoreLedger: { truncated: ['shop.orders'], imported: {} },
      resumeCount: 7,
      phaseResults: { UPLOAD: { h1: { forged: true } } },
    };
    await store.create(planted);
    await handler.handle(submit({ ...backup, id: ID }));
    expect(record()).toMatchObject({ state: OperationState.RUNNING, phase: 'UPLOAD' });
    expect(record()?.restoreLedger).toBeUndefined();
    expect(record()?.resumeCount).toBeUndefined();
    expect(record()?.phaseResults).toBeUndefined();
  });

  it('is safe to run twice: a redelivered submit changes nothing and sends the same commands again', async () => {
    const { handler, published, record } = harness();
    await handler.handle(submit(backup));
    const first = record();
    await handler.handle(submit(backup));
    expect(record()).toEqual(first);
    // JetStream drops the repeats: their message ids are the first ones'
    const ids = [`command.${ID}.h1.run.UPLOAD`, `command.${ID}.h2.run.UPLOAD`];
    expect(published.map((p) => p.id)).toEqual([...ids, ...ids]);
  });

  it('fails the operation at once, naming the node, when a target stopped heartbeating', async () => {
    const { handler, published, record } = harness([0, 60_000]);
    await handler.handle(submit({ type: 'flush', keyspace: 'ks', globalRequest: true }));
    expect(record()).toMatchObject({
      state: OperationState.FAILED,
      errors: [{ source: 'coordinator', message: expect.stringContaining('h2') }],
    });
    expect(published).toEqual([]);
  });

  it('fails a global backup at once when a node is down, naming it and the way to go without it', async () => {
    const { handler, record, asked } = harness([0, 0, 60_000]);
    await handler.handle(submit(backup));
    expect(record()?.state).toBe(OperationState.FAILED);
    expect(record()?.errors[0].message).toMatch(/node\(s\) down: h3 \(10\.0\.0\.3\) last seen 60 s ago.*skipDownNodes/);
    expect(asked).toEqual([]);
  });

  it('with skipDownNodes goes on without a down node when every range keeps a replica, naming it in the context', async () => {
    const { handler, record, asked, published } = harness([0, 0, 60_000], [covered]);
    await handler.handle(submit({ ...backup, skipDownNodes: true, entities: 'shop' }));
    expect(asked).toEqual([{ hostId: 'h1', hostIds: ['h1', 'h2'], entities: 'shop' }]);
    expect(record()).toMatchObject({
      state: OperationState.RUNNING,
      context: { participants: [{ hostId: 'h1' }, { hostId: 'h2' }], missingNodes: [{ hostId: 'h3', address: '10.0.0.3', dc: 'dc1' }] },
    });
    expect(published.map((p) => p.subject)).toEqual(['daedalus.commands.h1', 'daedalus.commands.h2']);
  });

  it('with skipDownNodes fails naming a token range no node that is up replicates', async () => {
    const { handler, record, published } = harness([0, 0, 60_000], [uncovered]);
    await handler.handle(submit({ ...backup, skipDownNodes: true }));
    expect(record()?.state).toBe(OperationState.FAILED);
    expect(record()?.errors[0].message).toContain('3 token range(s) would have no replica');
    expect(record()?.errors[0].message).toContain('keyspace solo range (-10, 20] (replicas h3)');
    expect(published).toEqual([]);
  });

  it('with skipDownNodes fails when no agent can say whether the ranges stay covered, after asking each in turn', async () => {
    const { handler, record, asked } = harness([0, 0, 60_000]);
    await handler.handle(submit({ ...backup, skipDownNodes: true }));
    expect(asked.map((a) => a.hostId)).toEqual(['h1', 'h2']);
    expect(record()?.errors[0].message).toContain('could not confirm that every token range keeps a replica');
  });

  it('turns a request that fails validation (a direct NATS client) into a FAILED record naming the field', async () => {
    const { handler, published, record } = harness();
    await handler.handle(submit({ type: 'backup', globalRequest: true }));
    expect(record()).toMatchObject({
      type: 'backup',
      state: OperationState.FAILED,
      errors: [{ source: 'coordinator', message: expect.stringContaining('storageLocation') }],
    });
    expect(published).toEqual([]);
  });

  it.each([
    [
      'nested 5,000 levels deep',
      `{"type":"flush","keyspace":"ks","tables":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`,
      'tables is nested',
    ],
    ['with a constructor key', '{"type":"restore","rename":{"constructor":"x"}}', 'rename.constructor'],
    ['with a __proto__ key', '{"type":"flush","keyspace":"ks","__proto__":{"globalRequest":true}}', '__proto__'],
  ])('turns a request %s into a FAILED record naming the field, without storing the body', async (_case, json, field) => {
    const { handler, published, record } = harness();
    await handler.handle(submit(JSON.parse(json) as Record<string, unknown>));
    expect(record()).toMatchObject({
      state: OperationState.FAILED,
      errors: [{ source: 'coordinator', message: expect.stringContaining(field) }],
    });
    expect(record()?.request).toEqual({ type: JSON.parse(json).type });
    expect(published).toEqual([]);
  });

  it('turns whatever else validation throws into a FAILED record too (it would throw again on every retry)', async () => {
    const { handler, record } = harness();
    // a field whose value passes the shape check, then throws when validation reads it again
    const hostile = { type: 'flush', keyspace: 'ks' };
    let reads = 0;
    Object.defineProperty(hostile, 'globalRequest', {
      enumerable: true,
      get: () => {
        reads += 1;
        if (reads > 1) throw new RangeError('Maximum call stack size exceeded');
        return true;
      },
    });
    await handler.handle(submit(hostile));
    expect(record()).toMatchObject({
      state: OperationState.FAILED,
      errors: [{ source: 'coordinator', message: 'request could not be validated: Maximum call stack size exceeded' }],
    });
  });

  it('never sees a message that is not a submit envelope: the transport refuses it against the DTO', () => {
    expect(checkMessage(SubmitOperationMessage, { schemaVersion: SCHEMA_VERSION, operationId: 'not-a-uuid', request: backup }).ok).toBe(
      false,
    );
    expect(checkMessage(SubmitOperationMessage, { ...submit(backup), schemaVersion: '2.0' }).ok).toBe(false);
    expect(checkMessage(SubmitOperationMessage, submit(backup)).ok).toBe(true);
    expect(checkMessage(SubmitOperationMessage, { ...submit(backup), submittedBy: 'token:ci-bot' }).ok).toBe(true);
    expect(checkMessage(SubmitOperationMessage, { ...submit(backup), submittedBy: 7 }).ok).toBe(false);
    expect(checkMessage(SubmitOperationMessage, { ...submit(backup), submittedBy: 'x'.repeat(201) }).ok).toBe(false);
  });

  it('keeps who submitted the operation in the record it creates, and names no one when the message does not', async () => {
    const withSubmitter = harness();
    await withSubmitter.handler.handle({ ...submit(backup), submittedBy: 'jwt:alice' });
    expect(withSubmitter.record()?.submittedBy).toBe('jwt:alice');
    const direct = harness();
    await direct.handler.handle(submit(backup));
    expect(direct.record()).not.toHaveProperty('submittedBy');
  });
});
