import {
  NodeCommandMessage,
  NodeProgress,
  OperationRecord,
  OperationRequest,
  OperationState,
  requestDigest,
  SCHEMA_VERSION,
} from '@daedalus/contracts';
import { MemoryJsonKv } from '@daedalus/messaging/testing/memory-json-kv';
import { ActiveMarker, FatalError, OperationStore, RecordSealer, Signing, signCommand, SigningKey } from '@daedalus/messaging';
import { CommandGuard, commandRefusal } from './command-guard';

const HOST = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const OP = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const KEY = new SigningKey(Buffer.from('k'.repeat(40)));
const request = { type: 'restore', storageLocation: 'file:///b', snapshotTag: 's', id: OP, globalRequest: false, hostId: HOST };
const context = { backupName: 's-1', leader: HOST };
const phaseResults = { INIT: { [HOST]: { tables: [] } } };

const node = (fields: Partial<NodeProgress> = {}): NodeProgress => ({
  hostId: HOST,
  address: 'a',
  dc: 'dc1',
  state: OperationState.PENDING,
  progress: 0,
  phase: 'TRUNCATE',
  requestDigest: requestDigest(request),
  ...fields,
});

const record = (fields: Partial<OperationRecord> = {}): OperationRecord => ({
  schemaVersion: SCHEMA_VERSION,
  id: OP,
  type: 'restore',
  state: OperationState.RUNNING,
  progress: 0,
  creationTime: 'now',
  errors: [],
  request: { type: 'restore' } as unknown as OperationRequest,
  phases: ['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'],
  phase: 'TRUNCATE',
  context,
  phaseResults,
  nodes: { [HOST]: node() },
  ...fields,
});

const command = (fields: Partial<NodeCommandMessage> = {}): NodeCommandMessage => ({
  schemaVersion: SCHEMA_VERSION,
  kind: 'run',
  operationId: OP,
  hostId: HOST,
  type: 'restore',
  request,
  phase: 'TRUNCATE',
  context,
  phaseResults,
  issuedAt: 'now',
  ...fields,
});

describe('commandRefusal (the structural checks, with or without a key)', () => {
  it('admits the command the record planned for this node in its current phase', () => {
    expect(commandRefusal(record(), command(), HOST)).toBeUndefined();
  });

  it('lets a command of a phase the operation has left through, for the handler to drop as a redelivery', () => {
    expect(commandRefusal(record({ phase: 'IMPORT' }), command(), HOST)).toBeUndefined();
  });

  it.each<[string, OperationRecord | undefined, NodeCommandMessage, string]>([
    ['no record', undefined, command(), `operation ${OP} does not exist`],
    ['another type', record({ type: 'backup' }), command(), 'is a backup, not a restore'],
    ['not started', record({ state: OperationState.PENDING, nodes: undefined }), command(), 'has not started'],
    ['another node', record({ nodes: { other: node({ hostId: 'other' }) } }), command(), `does not name this node (${HOST})`],
    ['a phase it does not have', record(), command({ phase: 'EXFILTRATE' }), 'has no phase EXFILTRATE'],
    ['no phase where it has phases', record(), command({ phase: undefined }), 'has no phase (none)'],
    [
      'another request',
      record(),
      command({ request: { ...request, storageLocation: 'file:///loot' } }),
      "the command's request is not the one",
    ],
    [
      'a node entry without digest',
      record({ nodes: { [HOST]: node({ requestDigest: undefined }) } }),
      command(),
      'names no request for this node',
    ],
    ['another context', record(), command({ context: { ...context, leader: 'x' } }), "the command's context is not"],
    ['other earlier results', record(), command({ phaseResults: { INIT: {} } }), "the command's earlier results are not"],
    ['a cancel nobody asked for', record(), command({ kind: 'cancel' }), 'was not asked to cancel'],
  ])('refuses a command with %s', (_what, stored, cmd, reason) => {
    expect(commandRefusal(stored, cmd, HOST)).toContain(reason);
  });

  it('admits a cancel the coordinator recorded', () => {
    expect(commandRefusal(record({ cancelRequested: true }), command({ kind: 'cancel' }), HOST)).toBeUndefined();
  });

  it('admits a pause only of a pausable phase of an operation with a maintenance window', () => {
    const windowed = { type: 'restore', maintenanceWindow: { start: '02:00', duration: '2h' } } as unknown as OperationRequest;
    const pause = (phase: string) => command({ kind: 'pause', phase });
    expect(commandRefusal(record({ request: windowed, phase: 'DOWNLOAD' }), pause('DOWNLOAD'), HOST)).toBeUndefined();
    // TRUNCATE must not stop mid-way, and an operation without a window is never paused
    expect(commandRefusal(record({ request: windowed }), pause('TRUNCATE'), HOST)).toContain(
      'has no maintenance window pausing phase TRUNCATE',
    );
    expect(commandRefusal(record({ phase: 'DOWNLOAD' }), pause('DOWNLOAD'), HOST)).toContain('has no maintenance window pausing phase');
  });
});

describe('CommandGuard with a signing key', () => {
  async function guard(stored: OperationRecord) {
    const kv = new MemoryJsonKv<OperationRecord>();
    const store = new OperationStore(kv, new MemoryJsonKv<ActiveMarker>(), new RecordSealer(KEY));
    // sealed as a coordinator writes it: created PENDING, then updated (the store seals each update)
    await store.create({
      ...stored,
      state: OperationState.PENDING,
      nodes: undefined,
      phases: undefined,
      phase: undefined,
      context: undefined,
      phaseResults: undefined,
    });
    await store.mutate(OP, () => stored);
    return { kv, guard: new CommandGuard(store, new Signing(KEY)) };
  }

  it('admits a signed command of a sealed record, and returns the record', async () => {
    const { guard: g } = await guard(record());
    await expect(g.admit(signCommand(KEY, command()), HOST)).resolves.toMatchObject({ id: OP, phase: 'TRUNCATE' });
  });

  it('refuses an unsigned command, and a signed one whose record another client wrote', async () => {
    const { kv, guard: g } = await guard(record());
    await expect(g.admit(command(), HOST)).rejects.toThrow(
      new FatalError(`run command of ${OP} (TRUNCATE) refused: the command is not signed`),
    );
    await kv.put(OP, { ...record(), seal: undefined });
    await expect(g.admit(signCommand(KEY, command()), HOST)).rejects.toThrow(/written without a seal/);
  });
});
