/**
 * The attacks a NATS client could make on an open nats-server (no permissions), replayed against the services'
 * own checks ("Defence in depth" in docs/design.md): a forged restore truncating every node, commands no
 * operation asked for, another client's running backup failed or reported COMPLETED by forged events, an
 * operation id reused with another request. Each must be refused — dead-lettered with its reason — and change
 * nothing: no table truncated, no command run, the running backup still completing with its content.
 *
 * First with the signing key coordinators and agents share (as production runs): every attack is refused.
 * Then without one: the structural checks alone refuse what a client cannot make look right (a command of no
 * operation or with another request, an event on another node's subject, an id reused); a forger who writes a
 * whole record and events on the right subjects is stopped only by the key.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NatsConnection } from '@nats-io/transport-node';
import { OperationRecord, Subjects } from '@daedalus/contracts';
import {
  commandWithAlteredRequest,
  commandWithoutOperation,
  DeadLetter,
  deadLetterMark,
  deadLettersSince,
  forgeCancel,
  forgeCompletion,
  forgeNodeFailure,
  Capture,
  captureTraffic,
  forgeRestoreTruncate,
  NodeTarget,
  readRecord,
  replayRecordAndCommand,
  resubmitWithOtherRequest,
} from '../support/nats-attacks';
import { makeTempDir, removeDir, waitFor } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { filesUnder } from './backup-support';

const KS = 'shop';
const TABLES = ['orders', 'customers'];
const CLUSTER = 'daedalus-test';
/** about 8 s of upload for the bulk table: the attacks land while the backup runs */
const THROTTLE = { value: 256, unit: 'KBPS' };

function attackSuite(signing: boolean): void {
  let system: DaedalusSystem;
  let nc: NatsConnection;
  let storeRoot: string;
  let attackerRoot: string;
  let targets: NodeTarget[];

  beforeAll(async () => {
    storeRoot = makeTempDir('attack-store');
    attackerRoot = makeTempDir('attacker-store');
    // truncate allowed on two of three agents: the forged restore must not get around the flag, nor through it
    system = await DaedalusSystem.start({
      nodes: 3,
      coordinators: 2,
      signing,
      agentArgsByNode: { 0: ['--enable-truncate'], 1: ['--enable-truncate'] },
    });
    await system.createTables(KS, [...TABLES, 'bulk'], 100);
    for (const node of system.nodes) await system.simOf(node).generateSSTables(KS, 'bulk', 2, 1024 * 1024);
    nc = await system.connectNats();
    targets = (await system.registrations()).map((r) => ({ hostId: r.hostId, address: r.address, dc: r.dc }));
  }, 240_000);

  afterAll(async () => {
    await nc?.close();
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
    if (attackerRoot) removeDir(attackerRoot);
  }, 60_000);

  const tableState = async () => {
    const out: Record<string, { checksum: string; rows: number; truncations: number }> = {};
    for (const node of system.nodes) {
      for (const table of TABLES) {
        const sim = system.simOf(node);
        out[`${node.index}.${table}`] = {
          checksum: String(await sim.checksum(KS, table)),
          rows: await sim.rowCount(KS, table),
          truncations: await sim.truncationCount(KS, table),
        };
      }
    }
    return out;
  };

  /** Waits until `count` dead letters matching `match` arrived since `mark`, and returns them. */
  async function refusals(mark: number, match: (letter: DeadLetter) => boolean, count: number): Promise<DeadLetter[]> {
    return waitFor(
      `${count} dead letter(s)`,
      async () => {
        const letters = (await deadLettersSince(nc, mark)).filter(match);
        return letters.length >= count ? letters : undefined;
      },
      20_000,
    );
  }

  const attackerFiles = () => (existsSync(attackerRoot) ? readdirSync(attackerRoot, { recursive: true }) : []);

  if (signing) {
    it('refuses a forged restore record with TRUNCATE commands on every node: nothing truncated, the record untouched', async () => {
      const before = await tableState();
      const mark = await deadLetterMark(nc);
      const { operationId } = await forgeRestoreTruncate(nc, targets, KS, TABLES);
      const letters = await refusals(mark, (l) => l.reason.includes(operationId), targets.length);
      for (const letter of letters) expect(letter.reason).toMatch(/refused: the command is not signed/);
      // and were the commands signed, the record would still be: agents refuse a record no coordinator sealed
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await tableState()).toEqual(before);
      const stored = await readRecord(nc, operationId);
      expect(Object.values(stored?.record.nodes ?? {}).map((n) => n.state)).toEqual(targets.map(() => 'PENDING'));
    });
  }

  it('refuses a command of no operation (a backup to the attacker’s store): not run, nothing written', async () => {
    const mark = await deadLetterMark(nc);
    const request = { type: 'backup', storageLocation: `file://${attackerRoot}/loot`, createMissingBucket: true, snapshotTag: 'loot' };
    const { operationId } = await commandWithoutOperation(nc, targets[0], request, 'UPLOAD');
    const [letter] = await refusals(mark, (l) => l.reason.includes(operationId), 1);
    expect(letter.reason).toMatch(signing ? /is not signed/ : new RegExp(`operation ${operationId} does not exist`));
    expect(attackerFiles()).toEqual([]);
  });

  let capture: Capture | undefined;
  let guardedId = '';

  it('keeps a running backup whole against forged commands, events and a reused id: it completes with its content', async () => {
    const announced: OperationRecord[] = [];
    capture = captureTraffic(nc);
    const response = await system.post('/operations', {
      type: 'backup',
      globalRequest: true,
      storageLocation: `file://${storeRoot}/bucket`,
      createMissingBucket: true,
      snapshotTag: 'guarded',
      entities: KS,
      bandwidth: THROTTLE,
    });
    expect(response.status).toBe(201);
    const created = response.body as OperationView;
    const id = created.id;
    guardedId = id;
    const watch = nc.subscribe(Subjects.operationUpdates(id), {
      callback: (_error, msg) => void announced.push(msg.json<OperationRecord>()),
    });
    const uploading = await system.waitForOperation(id, (op) => op.state !== 'PENDING', 30_000);
    // the attacks must land while the nodes upload, else this run proves nothing about them
    expect({ state: uploading.state, phase: uploading.phase }).toEqual({ state: 'RUNNING', phase: 'UPLOAD' });
    const before = (await readRecord(nc, id))?.record;
    const mark = await deadLetterMark(nc);

    // 3b/3c: the same operation's command with the attacker's store, and a cancel of it
    await commandWithAlteredRequest(nc, id, targets[0], { storageLocation: `file://${attackerRoot}/loot`, createMissingBucket: true });
    await forgeCancel(nc, id, targets[1], 'backup');
    // 4: a node's failure, on another node's subject (refused always) and on its own (refused with the key)
    await forgeNodeFailure(nc, id, targets[1], 'UPLOAD', targets[2]);
    if (signing) await forgeNodeFailure(nc, id, targets[1], 'UPLOAD');
    // 5: every phase reported done by every node, results made up (with the key)
    if (signing) await forgeCompletion(nc, id, targets, ['UPLOAD', 'COMMIT']);
    // 6: the id reused with another request, a valid one (a truncate) and an invalid one
    await resubmitWithOtherRequest(nc, id, { type: 'truncate', keyspace: KS, table: 'orders', globalRequest: true });
    await resubmitWithOtherRequest(nc, id, { type: 'backup' });
    const http = await system.post('/operations', { type: 'truncate', keyspace: KS, table: 'orders', globalRequest: true, id });
    expect(http.status).toBe(409);
    expect((http.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(['type']);
    const sameType = await system.post('/operations', {
      type: 'backup',
      globalRequest: true,
      storageLocation: `file://${storeRoot}/bucket`,
      snapshotTag: 'other',
      id,
    });
    expect(sameType.status).toBe(409);
    expect((sameType.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(['id']);

    const mine = (l: DeadLetter) => l.reason.includes(id);
    const expected = signing ? 6 + targets.length * 2 : 5;
    const letters = await refusals(mark, mine, expected);
    const reasons = letters.map((l) => l.reason).join('\n');
    expect(reasons).toMatch(/arrived on daedalus\.events\./);
    expect(reasons).toMatch(/already exists with a different request/);
    if (signing) {
      expect(reasons).toMatch(/run command .* refused: the command is not signed/);
      expect(reasons).toMatch(/cancel command .* refused: the command is not signed/);
      expect(reasons).toMatch(/failed event .* refused: the event is not signed/);
      expect(reasons).toMatch(/completed event .* refused: the event is not signed/);
    } else {
      expect(reasons).toMatch(/the command's request is not the one operation .* planned for this node/);
      expect(reasons).toMatch(/was not asked to cancel/);
    }

    const done = await system.waitForOperation(id, undefined, 120_000);
    // the announcement is published after the record is written: the record can be read COMPLETED first
    await waitFor('the COMPLETED announcement', () => announced.some((r) => r.state === 'COMPLETED'), 10_000, 50).catch(() => undefined);
    watch.unsubscribe();
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    // committed: the cluster record and every node's manifest are in the store, none of it the forger's
    const commit = (done.response as { COMMIT?: Record<string, unknown>; UPLOAD?: Record<string, { backupName: string }> }) ?? {};
    const backupName = Object.values(commit.UPLOAD ?? {})[0]?.backupName ?? '';
    expect(backupName).toMatch(/^guarded-\d+$/);
    const bucket = join(storeRoot, 'bucket', CLUSTER);
    expect(existsSync(join(bucket, 'backups', `${backupName}.json`))).toBe(true);
    for (const t of targets) expect(existsSync(join(bucket, 'dc1', t.hostId, 'manifests', `${backupName}.json`))).toBe(true);
    expect((await filesUnder(join(bucket, 'dc1'))).length).toBeGreaterThan(targets.length);
    // the forged results never showed, nor a failed node or an early end; the request is the one submitted
    expect(JSON.stringify(announced)).not.toContain('forged');
    expect(announced.filter((r) => r.state !== 'RUNNING' && r.state !== 'COMPLETED')).toEqual([]);
    expect(announced.filter((r) => Object.values(r.nodes ?? {}).some((n) => n.state === 'FAILED' || n.state === 'CANCELLED'))).toEqual([]);
    const completedAt = announced.findIndex((r) => r.state === 'COMPLETED');
    expect(completedAt).toBeGreaterThan(-1);
    expect(announced[completedAt].phase).toBe('COMMIT');
    expect((await readRecord(nc, id))?.record.request).toEqual(before?.request);
    expect(attackerFiles()).toEqual([]);
  }, 180_000);

  if (signing) {
    it('refuses a true record and command replayed from captured traffic: the seal names the revision it was written at', async () => {
      capture?.stop();
      const [host] = targets;
      const command = capture?.commands.find((c) => c.operationId === guardedId && c.hostId === host.hostId && c.phase === 'UPLOAD');
      const earlier = capture?.records.find((r) => r.id === guardedId && r.state === 'RUNNING' && r.phase === 'UPLOAD' && r.seal);
      expect(command?.signature).toBeDefined();
      expect(earlier?.seal).toBeDefined();
      if (!command || !earlier) return;
      const mark = await deadLetterMark(nc);
      await replayRecordAndCommand(nc, earlier, command);
      const [letter] = await refusals(mark, (l) => l.reason.includes(guardedId), 1);
      expect(letter.reason).toMatch(/sealed for revision \d+ but stored at revision \d+ \(an older copy written back\)/);
      // nobody acted on the copy: it stays as the attacker wrote it
      expect((await readRecord(nc, guardedId))?.record.nodes).toEqual(earlier.nodes);
    });
  }
}

describe('NATS attacks on an open server, with the signing key (production)', () => attackSuite(true));
describe('NATS attacks on an open server, without a signing key (structural checks only)', () => attackSuite(false));
