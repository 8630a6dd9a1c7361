import { plainToInstance } from 'class-transformer';
import {
  BackupRequest,
  checkMessage,
  newOperationRecord,
  NodeEventKind,
  NodeEventMessage,
  OperationRecord,
  OperationState,
  SCHEMA_VERSION,
  startOperation,
  Subjects,
} from '@daedalus/contracts';
import { FatalError, Signing, signEvent, SigningKey } from '@daedalus/messaging';
import { clockAt, MemoryOperationStore, pauseWindowsOver, recordingCommands } from '../operations/handler-fakes';
import { planTargets } from '../operations/target-planner';
import { NOW, registration, restoreRecord } from '../operations/test-fixtures';
import { backupPlan } from '../plans/backup.plan';
import { restorePlan } from '../plans/restore.plan';
import { NodeEventHandler } from './node-event.handler';

const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';

/** A record started as the submit handler starts it, on h1 and h2. */
function started(base: OperationRecord, plan: typeof backupPlan): OperationRecord {
  const registered = ['h1', 'h2'].map((h) => ({ registration: registration(h), heartbeatAgeMs: 0 }));
  const targets = planTargets(base.request, registered, 1000);
  if (!targets.ok) throw new Error(targets.error);
  const context = plan.context(
    base,
    targets.targets,
    registered.map((r) => r.registration),
    NOW,
  );
  return startOperation(base, targets.targets, NOW, plan.phases(base), context) as OperationRecord;
}

const globalBackup = () =>
  started(
    newOperationRecord(
      ID,
      plainToInstance(BackupRequest, { type: 'backup', globalRequest: true, storageLocation: 's3://b' }),
      NOW,
      SCHEMA_VERSION,
    ),
    backupPlan,
  );

const event = (hostId: string, kind: NodeEventKind, phase: string, fields: { progress?: number; result?: unknown } = {}) => ({
  schemaVersion: SCHEMA_VERSION,
  kind,
  operationId: ID,
  hostId,
  phase,
  progress: fields.progress ?? (kind === 'completed' ? 1 : 0),
  ...(fields.result !== undefined ? { result: fields.result } : {}),
  at: NOW.toISOString(),
});

async function harness(record: OperationRecord) {
  const store = new MemoryOperationStore();
  await store.create(record);
  const clock = clockAt(NOW);
  const { commands, published, announced } = recordingCommands(clock);
  const handler = new NodeEventHandler(store.asStore(), commands, clock, pauseWindowsOver(store.asStore(), commands, clock));
  // delivered on the subject of the node it names, as an agent publishes it
  const handle = (e: NodeEventMessage, subject = Subjects.eventsFor(e.operationId, e.hostId)) =>
    handler.handle(e, { subject, attempt: 1, isLastAttempt: false });
  return { handle, published, announced, record: () => store.records.get(ID) };
}

const upload = (hostId: string) => ({
  backupName: 'b-1',
  manifest: `m/${hostId}`,
  totals: { files: 1, bytes: 1, uploadedFiles: 1, uploadedBytes: 1 },
});

describe('NodeEventHandler', () => {
  it('folds a node’s progress into the record, weighted by phase, and announces it', async () => {
    const { handle, published, announced, record } = await harness(globalBackup());
    await handle(event('h1', 'progress', 'UPLOAD', { progress: 0.5 }));
    expect(record()?.nodes?.h1).toMatchObject({ state: OperationState.RUNNING, progress: 0.5 });
    expect(record()?.progress).toBeCloseTo(0.97 * 0.25);
    expect(announced).toHaveLength(1);
    expect(published).toEqual([]);
  });

  it('starts the next phase when every node completed, commanding its worker with the earlier results', async () => {
    const { handle, published, record } = await harness(globalBackup());
    await handle(event('h1', 'completed', 'UPLOAD', { result: upload('h1') }));
    expect(published).toEqual([]);
    await handle(event('h2', 'completed', 'UPLOAD', { result: upload('h2') }));
    expect(record()).toMatchObject({
      state: OperationState.RUNNING,
      phase: 'COMMIT',
      phaseResults: { UPLOAD: { h1: upload('h1'), h2: upload('h2') } },
    });
    expect(record()?.response).toBeUndefined();
    // a 'one' phase: h1 commits, h2 has no work
    expect(published.map((p) => p.id)).toEqual([`command.${ID}.h1.run.COMMIT`]);
    expect(published[0].command).toMatchObject({ phase: 'COMMIT', phaseResults: { UPLOAD: { h1: upload('h1'), h2: upload('h2') } } });
    expect(published[0].command.context).toEqual(record()?.context);
  });

  it('sends the current phase again for a redelivered event that closed the previous one (a coordinator died)', async () => {
    const { handle, published } = await harness(globalBackup());
    await handle(event('h1', 'completed', 'UPLOAD', { result: upload('h1') }));
    await handle(event('h2', 'completed', 'UPLOAD', { result: upload('h2') }));
    await handle(event('h2', 'completed', 'UPLOAD', { result: upload('h2') }));
    expect(published.map((p) => p.id)).toEqual([`command.${ID}.h1.run.COMMIT`, `command.${ID}.h1.run.COMMIT`]);
  });

  it('completes after the last phase, writing the response from every phase’s results', async () => {
    const { handle, published, record } = await harness(globalBackup());
    for (const h of ['h1', 'h2']) await handle(event(h, 'completed', 'UPLOAD', { result: upload(h) }));
    await handle(event('h1', 'completed', 'COMMIT', { result: { backupName: 'b-1' } }));
    const results = { UPLOAD: { h1: upload('h1'), h2: upload('h2') }, COMMIT: { h1: { backupName: 'b-1' } } };
    expect(record()).toMatchObject({ state: OperationState.COMPLETED, progress: 1, phaseResults: results, response: results });
    expect(published).toHaveLength(1);
  });

  it('fails a restore whose nodes found different backups in INIT (the plan’s check), starting no DOWNLOAD', async () => {
    const { handle, published, record } = await harness(started(restoreRecord({}, ID), restorePlan));
    await handle(event('h1', 'completed', 'INIT', { result: { backupName: 'b-1', schemaVersion: 's' } }));
    await handle(event('h2', 'completed', 'INIT', { result: { backupName: 'b-2', schemaVersion: 's' } }));
    expect(record()).toMatchObject({
      state: OperationState.FAILED,
      phase: 'INIT',
      errors: [{ source: 'coordinator', message: 'nodes resolved different backups: h1=b-1, h2=b-2 (phase INIT)' }],
    });
    expect(published).toEqual([]);
  });

  describe("a restore's ledger: kept by the coordinators from the facts the agents report", () => {
    /** A global restore on h1 and h2, moved on to `phase` (h1 the TRUNCATE worker). */
    const restoreIn = (phase: string, fields: Partial<OperationRecord> = {}): OperationRecord => {
      const base = started(restoreRecord({}, ID), restorePlan);
      return {
        ...base,
        phase,
        nodes: Object.fromEntries(Object.entries(base.nodes ?? {}).map(([h, n]) => [h, { ...n, phase }])),
        ...fields,
      };
    };
    const fact = (hostId: string, phase: string, done: 'truncated' | 'imported', table: string, fields: Partial<NodeEventMessage> = {}) =>
      ({ ...event(hostId, 'progress', phase, { progress: 0.5 }), ledger: { done, table }, ...fields }) as NodeEventMessage;

    it('folds a truncation and each node’s imports, once (a repeat changes nothing)', async () => {
      const { handle, record } = await harness(restoreIn('TRUNCATE'));
      await handle(fact('h1', 'TRUNCATE', 'truncated', 'shop.orders'));
      await handle(fact('h1', 'TRUNCATE', 'truncated', 'shop.orders'));
      expect(record()?.restoreLedger).toEqual({ truncated: ['shop.orders'], imported: {} });
      expect(record()?.nodes?.h1).toMatchObject({ state: OperationState.RUNNING, progress: 0.5 });
    });

    it('accepts a fact after the phase moved on, or the restore ended, or from an earlier run: the node did it', async () => {
      const { handle, record, published } = await harness(restoreIn('IMPORT', { resumeCount: 1 }));
      await handle(fact('h1', 'TRUNCATE', 'truncated', 'shop.orders', { resume: 0 }));
      await handle(fact('h2', 'IMPORT', 'imported', 'shop.orders', { resume: 1 }));
      expect(record()?.restoreLedger).toEqual({ truncated: ['shop.orders'], imported: { h2: ['shop.orders'] } });
      expect(record()?.nodes?.h1.state).toBe(OperationState.PENDING); // a late TRUNCATE progress moves no IMPORT entry
      expect(published).toEqual([]); // and starts nothing

      const ended = await harness(restoreIn('IMPORT', { state: OperationState.FAILED }));
      await ended.handle(fact('h1', 'IMPORT', 'imported', 'shop.bulk'));
      expect(ended.record()).toMatchObject({
        state: OperationState.FAILED,
        restoreLedger: { truncated: [], imported: { h1: ['shop.bulk'] } },
      });
    });

    it('folds the tables a completed TRUNCATE or IMPORT result lists, even before (or without) their fact events', async () => {
      const { handle, record } = await harness(restoreIn('TRUNCATE'));
      await handle(
        event('h1', 'completed', 'TRUNCATE', { result: { truncated: ['shop.bulk', 'shop.orders'], startedAt: 1 } }) as NodeEventMessage,
      );
      expect(record()?.nodes?.h1.state).toBe(OperationState.COMPLETED);
      expect(record()?.restoreLedger).toEqual({ truncated: ['shop.bulk', 'shop.orders'], imported: {} });
      await handle(event('h2', 'completed', 'IMPORT', { result: { imported: ['shop.orders'] } }) as NodeEventMessage);
      expect(record()?.restoreLedger?.imported).toEqual({ h2: ['shop.orders'] });
    });

    it.each<[string, (f: NodeEventMessage) => NodeEventMessage, string, () => OperationRecord]>([
      ['of a node the restore does not name', (f) => ({ ...f, hostId: 'h9' }), `does not name node h9`, () => restoreIn('TRUNCATE')],
      [
        'in the wrong phase (a truncation reported in IMPORT)',
        (f) => ({ ...f, phase: 'IMPORT' }),
        'a table is truncated in phase TRUNCATE, not IMPORT',
        () => restoreIn('IMPORT'),
      ],
      [
        'in a result rather than a progress event',
        (f) => ({ ...f, kind: 'completed' }),
        'a ledger fact travels in a progress event',
        () => restoreIn('TRUNCATE'),
      ],
      ['for an operation that is no restore', (f) => ({ ...f, phase: 'UPLOAD' }), 'which keeps no restore ledger', globalBackup],
    ])('refuses a fact %s, changing nothing', async (_what, alter, reason, record0) => {
      const { handle, record } = await harness(record0());
      const before = structuredClone(record());
      await expect(handle(alter(fact('h1', 'TRUNCATE', 'truncated', 'shop.orders')))).rejects.toThrow(reason);
      expect(record()).toEqual(before);
    });

    it('refuses a fact on another node’s subject, or (with a key) one no agent signed', async () => {
      const { handle, record } = await harness(restoreIn('TRUNCATE'));
      await expect(handle(fact('h1', 'TRUNCATE', 'truncated', 'shop.orders'), Subjects.eventsFor(ID, 'h2'))).rejects.toThrow(FatalError);
      expect(record()?.restoreLedger).toBeUndefined();

      const key = new SigningKey(Buffer.from('k'.repeat(40)));
      const store = new MemoryOperationStore();
      await store.create(restoreIn('TRUNCATE'));
      const clock = clockAt(NOW);
      const { commands } = recordingCommands(clock);
      const handler = new NodeEventHandler(
        store.asStore(),
        commands,
        clock,
        pauseWindowsOver(store.asStore(), commands, clock),
        new Signing(key),
      );
      const on = (e: NodeEventMessage) =>
        handler.handle(e, { subject: Subjects.eventsFor(ID, e.hostId), attempt: 1, isLastAttempt: false });
      await expect(on(fact('h1', 'TRUNCATE', 'truncated', 'shop.orders'))).rejects.toThrow('the event is not signed');
      expect(store.records.get(ID)?.restoreLedger).toBeUndefined();
      await on(signEvent(key, fact('h1', 'TRUNCATE', 'truncated', 'shop.orders')));
      expect(store.records.get(ID)?.restoreLedger).toEqual({ truncated: ['shop.orders'], imported: {} });
    });

    it('sees only well-formed facts: the transport refuses others against the DTO', () => {
      const valid = fact('h1', 'TRUNCATE', 'truncated', 'shop.orders');
      expect(checkMessage(NodeEventMessage, valid).ok).toBe(true);
      expect(checkMessage(NodeEventMessage, { ...valid, ledger: { done: 'dropped', table: 'shop.orders' } }).ok).toBe(false);
      expect(checkMessage(NodeEventMessage, { ...valid, ledger: { done: 'truncated', table: '../etc' } }).ok).toBe(false);
      expect(checkMessage(NodeEventMessage, { ...valid, ledger: { done: 'truncated' } }).ok).toBe(false);
    });
  });

  describe('refuses what the node does not owe, changing nothing', () => {
    it.each<[string, (e: NodeEventMessage) => [NodeEventMessage, string?], string]>([
      ['on another node’s subject', (e) => [e, Subjects.eventsFor(ID, 'h2')], `arrived on daedalus.events.${ID}.h2`],
      ['of a node the operation does not name', (e) => [{ ...e, hostId: 'h9' }], `operation ${ID} does not name node h9`],
      ['of a phase the operation does not have', (e) => [{ ...e, phase: 'EXFILTRATE' }], `operation ${ID} has no phase EXFILTRATE`],
      ['without a phase where the operation has phases', (e) => [{ ...e, phase: undefined }], 'the event names none'],
    ])('an event %s: dead-lettered with the reason', async (_what, alter, reason) => {
      const { handle, published, announced, record } = await harness(globalBackup());
      const before = structuredClone(record());
      const [e, subject] = alter(event('h1', 'failed', 'UPLOAD') as NodeEventMessage);
      await expect(handle(e, subject)).rejects.toThrow(FatalError);
      await expect(handle(e, subject)).rejects.toThrow(reason);
      expect(record()).toEqual(before);
      expect([published, announced]).toEqual([[], []]);
    });

    it('an event of an operation not started, or not known', async () => {
      const pending = newOperationRecord(
        ID,
        plainToInstance(BackupRequest, { type: 'backup', globalRequest: true, storageLocation: 's3://b' }),
        NOW,
        SCHEMA_VERSION,
      );
      const { handle, record } = await harness(pending);
      await expect(handle(event('h1', 'completed', 'UPLOAD') as NodeEventMessage)).rejects.toThrow(`operation ${ID} has not started`);
      expect(record()?.state).toBe(OperationState.PENDING);
      const other = { ...event('h1', 'completed', 'UPLOAD'), operationId: '00000000-0000-4000-8000-000000000000' } as NodeEventMessage;
      await expect(handle(other)).rejects.toThrow('does not exist');
    });

    it('a result of an earlier run (before a resume) changes nothing', async () => {
      const { handle, record } = await harness({ ...globalBackup(), resumeCount: 1 });
      const before = structuredClone(record());
      await handle({ ...(event('h1', 'failed', 'UPLOAD') as NodeEventMessage), resume: 0 });
      expect(record()).toEqual(before);
      await handle({ ...(event('h1', 'failed', 'UPLOAD') as NodeEventMessage), resume: 1 });
      expect(record()?.nodes?.h1.state).toBe(OperationState.FAILED);
    });

    it('with a signing key, an event no agent signed, even on the right subject', async () => {
      const key = new SigningKey(Buffer.from('k'.repeat(40)));
      const store = new MemoryOperationStore();
      await store.create(globalBackup());
      const clock = clockAt(NOW);
      const { commands } = recordingCommands(clock);
      const handler = new NodeEventHandler(
        store.asStore(),
        commands,
        clock,
        pauseWindowsOver(store.asStore(), commands, clock),
        new Signing(key),
      );
      const on = (e: NodeEventMessage) =>
        handler.handle(e, { subject: Subjects.eventsFor(ID, e.hostId), attempt: 1, isLastAttempt: false });
      const forged = event('h1', 'failed', 'UPLOAD') as NodeEventMessage;
      await expect(on(forged)).rejects.toThrow('the event is not signed');
      await expect(on({ ...forged, signature: 'x' })).rejects.toThrow("the event's signature does not verify");
      expect(store.records.get(ID)?.nodes?.h1.state).toBe(OperationState.PENDING);
      await on(signEvent(key, event('h1', 'completed', 'UPLOAD', { result: upload('h1') }) as NodeEventMessage));
      expect(store.records.get(ID)?.nodes?.h1.state).toBe(OperationState.COMPLETED);
    });
  });

  it('never sees an event without a known kind or a numeric progress: the transport refuses it against the DTO', () => {
    expect(checkMessage(NodeEventMessage, { ...event('h1', 'progress', 'UPLOAD'), kind: 'exploded' }).ok).toBe(false);
    expect(checkMessage(NodeEventMessage, { ...event('h1', 'progress', 'UPLOAD'), progress: 'half' }).ok).toBe(false);
    expect(checkMessage(NodeEventMessage, event('h1', 'progress', 'UPLOAD')).ok).toBe(true);
  });
});
