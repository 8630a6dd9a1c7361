import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkMessage,
  newOperationRecord,
  NodeCommandMessage,
  NodeEventMessage,
  OperationRecord,
  OperationRequest,
  OperationState,
  SCHEMA_VERSION,
} from '@daedalus/contracts';
import { ConfigReader, readOptions } from '@daedalus/common';
import { MemoryJsonKv } from '../testing/memory-json-kv';
import { ActiveMarker, OperationStore } from '../stores';
import { commandSignatureProblem, eventSignatureProblem, signCommand, signEvent } from './message-signatures';
import { RecordSealer, UntrustedRecordError } from './record-seal';
import { SigningKey } from './signing-key';
import { SigningSettings } from './signing-settings';

const KEY = new SigningKey(Buffer.from('k'.repeat(40)));
const OTHER_KEY = new SigningKey(Buffer.from('o'.repeat(40)));
const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const NOW = new Date('2026-01-01T00:00:00Z');

const command = (): NodeCommandMessage => ({
  schemaVersion: SCHEMA_VERSION,
  kind: 'run',
  operationId: ID,
  hostId: 'h1',
  type: 'backup',
  request: { type: 'backup', storageLocation: 's3://b', hostId: 'h1', globalRequest: false },
  phase: 'UPLOAD',
  context: { backupName: 'n-1', participants: ['h1'] },
  phaseResults: {},
  issuedAt: NOW.toISOString(),
});

const event = (): NodeEventMessage => ({
  schemaVersion: SCHEMA_VERSION,
  kind: 'completed',
  operationId: ID,
  hostId: 'h1',
  progress: 1,
  phase: 'UPLOAD',
  result: { manifest: 'm', totals: { files: 1 } },
  at: NOW.toISOString(),
  resume: 0,
});

describe('SigningKey', () => {
  it('needs 32 bytes or more, and a MAC for one purpose never verifies for another', () => {
    expect(() => new SigningKey(Buffer.from('short'))).toThrow('at least 32 bytes, this one has 5');
    const mac = KEY.mac('command', { a: 1, b: [1, 2] });
    expect(KEY.verifies('command', { b: [1, 2], a: 1 }, mac)).toBe(true); // key order does not count
    expect(KEY.verifies('event', { a: 1, b: [1, 2] }, mac)).toBe(false);
    expect(KEY.verifies('command', { a: 2, b: [1, 2] }, mac)).toBe(false);
    expect(OTHER_KEY.verifies('command', { a: 1, b: [1, 2] }, mac)).toBe(false);
    expect(KEY.verifies('command', { a: 1, b: [1, 2] }, 42)).toBe(false);
  });

  it('is read from --command-signing-key-file (whitespace around it left out); a missing or short file fails at start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'signing-'));
    const read = (file: string) =>
      readOptions(new SigningSettings(), new ConfigReader(['--command-signing-key-file', file], {})).signingKey();
    writeFileSync(join(dir, 'good'), `${'k'.repeat(40)}\n`);
    expect(read(join(dir, 'good'))?.verifies('record', 1, KEY.mac('record', 1))).toBe(true);
    writeFileSync(join(dir, 'short'), 'abc');
    expect(() => read(join(dir, 'short'))).toThrow(/short: a signing key needs at least 32 bytes/);
    expect(() => read(join(dir, 'missing'))).toThrow(/missing cannot be read/);
    expect(readOptions(new SigningSettings(), new ConfigReader([], {})).signingKey()).toBeUndefined();
  });
});

describe('signed commands and events', () => {
  it('verify after the transport turned them into DTOs, and not once any field changed', () => {
    const signed = signCommand(KEY, command());
    const received = checkMessage(NodeCommandMessage, JSON.parse(JSON.stringify(signed)));
    if (!received.ok) throw new Error(received.errors.join());
    expect(commandSignatureProblem(KEY, received.value)).toBeUndefined();
    const altered = { ...received.value, request: { ...received.value.request, storageLocation: 's3://attacker' } };
    expect(commandSignatureProblem(KEY, altered)).toBe("the command's signature does not verify");
    expect(commandSignatureProblem(OTHER_KEY, received.value)).toBe("the command's signature does not verify");
    expect(commandSignatureProblem(KEY, command())).toBe('the command is not signed');

    const signedEvent = signEvent(KEY, event());
    const receivedEvent = checkMessage(NodeEventMessage, JSON.parse(JSON.stringify(signedEvent)));
    if (!receivedEvent.ok) throw new Error(receivedEvent.errors.join());
    expect(eventSignatureProblem(KEY, receivedEvent.value)).toBeUndefined();
    expect(eventSignatureProblem(KEY, { ...receivedEvent.value, kind: 'failed' })).toBe("the event's signature does not verify");
    // a command's signature is no event's
    expect(eventSignatureProblem(KEY, { ...event(), signature: signed.signature })).toBe("the event's signature does not verify");
  });

  it('are left as they are, and never questioned, without a key', () => {
    expect(signCommand(undefined, command())).toEqual(command());
    expect(commandSignatureProblem(undefined, command())).toBeUndefined();
    expect(eventSignatureProblem(undefined, event())).toBeUndefined();
  });
});

describe('OperationStore with a signing key (sealed records)', () => {
  const pending = () => newOperationRecord(ID, { type: 'flush', keyspace: 'ks' } as unknown as OperationRequest, NOW, SCHEMA_VERSION);
  const running = (record: OperationRecord): OperationRecord => ({
    ...record,
    state: OperationState.RUNNING,
    nodes: { h1: { hostId: 'h1', address: 'a', dc: 'dc1', state: OperationState.PENDING, progress: 0 } },
  });

  function stores(key: SigningKey | 'no key' = KEY) {
    const kv = new MemoryJsonKv<OperationRecord>();
    const store = new OperationStore(kv, new MemoryJsonKv<ActiveMarker>(), new RecordSealer(key === 'no key' ? undefined : key));
    return { kv, store };
  }

  it('trusts the PENDING record the gateway wrote without a seal, and seals every update for the revision it lands at', async () => {
    const { kv, store } = stores();
    await store.create(pending());
    expect(await store.getTrusted(ID)).toEqual({ record: pending() });
    await kv.put('other', pending()); // another key written meanwhile: the pinned revision is the bucket's next
    const started = await store.mutate(ID, running);
    const entry = await kv.get(ID);
    expect(started?.seal?.revision).toBe(entry?.revision);
    expect((await store.getTrusted(ID)).problem).toBeUndefined();
    const again = await store.mutate(ID, (r) => ({ ...r, progress: 0.5 }));
    expect(again?.seal?.revision).toBe((await kv.get(ID))?.revision);
    expect((await store.getTrusted(ID)).record?.progress).toBe(0.5);
  });

  it('refuses a record another client made (node entries without a seal, or a seal of another key), leaving it as it is', async () => {
    const { kv, store } = stores();
    await kv.put(ID, running(pending()));
    expect((await store.getTrusted(ID)).problem).toBe(
      `operation record ${ID}: its nodes were written without a seal (not by a coordinator)`,
    );
    await expect(store.mutate(ID, (r) => ({ ...r, progress: 1 }))).rejects.toBeInstanceOf(UntrustedRecordError);
    expect((await kv.get(ID))?.value).toEqual(running(pending()));

    const { store: other } = stores(OTHER_KEY);
    await other.create(pending());
    const forged = await other.mutate(ID, running);
    await kv.put(ID, { ...forged!, seal: { ...forged!.seal!, revision: (await kv.get(ID))!.revision + 1 } });
    expect((await store.getTrusted(ID)).problem).toMatch(/its seal does not verify/);
  });

  it('refuses a true record written back later (a replayed copy): its seal names another revision', async () => {
    const { kv, store } = stores();
    await store.create(pending());
    const earlier = await store.mutate(ID, running);
    await store.mutate(ID, (r) => ({ ...r, state: OperationState.COMPLETED }));
    await kv.put(ID, earlier!);
    const { problem } = await store.getTrusted(ID);
    expect(problem).toMatch(/sealed for revision \d+ but stored at revision \d+ \(an older copy written back\)/);
    await expect(store.mutate(ID, (r) => r)).rejects.toThrow(/an older copy written back/);
  });

  it('lists for the sweeper only the unfinished records it may trust', async () => {
    const { kv, store } = stores();
    await store.create(pending());
    await store.mutate(ID, running);
    await store.create({ ...pending(), id: 'forged' });
    await kv.put('forged', { ...running(pending()), id: 'forged' });
    expect((await store.listActive(NOW)).map((r) => r.id)).toEqual([ID]);
  });

  it('trusts every record and seals nothing without a key', async () => {
    const { kv, store } = stores('no key');
    await kv.put(ID, running(pending()));
    expect((await store.getTrusted(ID)).problem).toBeUndefined();
    expect((await store.mutate(ID, (r) => ({ ...r, progress: 1 })))?.seal).toBeUndefined();
  });
});
