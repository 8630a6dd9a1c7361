import { join } from 'node:path';
import { Readable } from 'node:stream';
import { plainToInstance } from 'class-transformer';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import { BackupRequest, VerifyRequest } from '@daedalus/contracts';
import { MemoryBackend, parseStorageLocation } from '@daedalus/storage';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { InFlightUploads } from '../../repository/in-flight-uploads';
import { ManifestCache } from '../../repository/manifest-store';
import { listBackups } from '../../repository/backup-catalog';
import { NodeVerification, VerificationRecord } from '../../repository/backup-verification';
import { ClientEncryption, EncryptionKey } from '../../repository/encryption';
import { OperationRejectedError } from '../executor';
import { BackupLayout } from '../../repository/backup-layout';
import { BACKUP_LEASE_MS, newLease, writeLease } from '../../repository/removal-marks';
import { FakeCassandraNode } from '../testing/fake-cassandra-node';
import { FakeSnapshots, HOST, identityOf, nodeRegistration, phaseContext, TABLE_ID, writeSSTable } from '../testing/node-fixtures';
import { BackupExecutor } from './backup.executor';
import { VerifyExecutor } from './verify.executor';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const HOUR = 3600_000;
const me = { hostId: HOST, address: '127.0.0.1', dc: 'dc1' };
const dataPrefix = `test/dc1/${HOST}/data/`;

const verifyRequest = (fields: Partial<VerifyRequest> = {}) =>
  plainToInstance(VerifyRequest, { type: 'verify', storageLocation: 's3://bucket', hostId: HOST, backupName: 'nightly-1', ...fields });

describe('VerifyExecutor', () => {
  let dir: string;
  let backend: MemoryBackend;
  let clock: ManualClock;
  let node: FakeCassandraNode;
  let snapshots: FakeSnapshots;
  let live: string;
  let identity: ReturnType<typeof identityOf>;

  async function backup(name: string, encryption = ClientEncryption.none): Promise<void> {
    const executor = new BackupExecutor(
      node,
      snapshots,
      identity,
      new ManifestCache(),
      new InFlightUploads(),
      clock,
      async () => backend,
      encryption,
    );
    const request = plainToInstance(BackupRequest, { type: 'backup', storageLocation: `s3://bucket/test/dc1/${HOST}` });
    const context = { backupName: name, snapshotTag: name, clusterName: 'test', participants: [me] };
    for (const phase of ['UPLOAD', 'COMMIT']) await backup_(executor, request, phase, context);
  }
  const backup_ = (executor: BackupExecutor, request: BackupRequest, phase: string, context: Record<string, unknown>) =>
    executor.execute(request, phaseContext(phase, { coordinatorContext: context }).context);

  const verifier = (encryption = ClientEncryption.none, orphanGraceMs = HOUR) =>
    new VerifyExecutor(identity, clock, { orphanGraceMs }, async () => backend, encryption);

  async function verify(fields: Partial<VerifyRequest> = {}, encryption = ClientEncryption.none) {
    const recording = phaseContext(undefined);
    const run = verifier(encryption).execute(verifyRequest(fields), recording.context);
    return { result: (await run) as NodeVerification, reports: recording.reports };
  }

  async function failure(fields: Partial<VerifyRequest> = {}): Promise<string> {
    const error = await verifier()
      .execute(verifyRequest(fields), phaseContext(undefined).context)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(OperationRejectedError);
    return (error as Error).message;
  }

  const dataKeys = () => [...backend.objects.keys()].filter((k) => k.startsWith(dataPrefix) && k.endsWith('Data.db'));
  const records = () =>
    [...backend.objects.entries()]
      .filter(([k]) => k.startsWith('test/verified/'))
      .map(([key, o]) => ({ key, record: JSON.parse(o.data.toString()) as VerificationRecord }));
  const listing = async () => listBackups(backend, parseStorageLocation('s3://bucket/test', { layout: 'prefix' }));

  beforeEach(async () => {
    dir = await fs.makeTemporaryDirectory('verify-spec');
    clock = new ManualClock(NOW);
    const data = join(dir, 'data');
    live = join(data, 'ks1', `t1-${TABLE_ID}`);
    await writeSSTable(live, 1, 'first sstable');
    await writeSSTable(live, 2, 'second sstable');
    node = new FakeCassandraNode({ clock });
    node.schemaView = { system: ['local'], ks1: ['t1'] };
    node.dataPaths['ks1.t1'] = [live];
    snapshots = new FakeSnapshots([data]);
    backend = new MemoryBackend();
    identity = identityOf(nodeRegistration(data));
    await backup('nightly-1');
    clock.advance(2 * HOUR);
  });

  afterEach(() => fs.remove(dir));

  it('passes a clean backup in both modes, records each result, and the listing shows the latest', async () => {
    const quick = await verify();
    expect(quick.result.backups).toEqual([
      expect.objectContaining({ backupName: 'nightly-1', state: 'passed', objects: 6, missing: 0, corrupt: 0, problems: [] }),
    ]);
    expect(quick.result.verifiedBytes).toBe(0); // quick reads no object
    expect((await listing())[0].verified).toEqual({
      state: 'passed',
      mode: 'quick',
      at: new Date(NOW + 2 * HOUR).toISOString(),
      nodesVerified: 1,
    });

    clock.advance(60_000);
    const full = await verify({ mode: 'full' });
    expect(full.result.backups[0]).toMatchObject({ state: 'passed', objects: 6 });
    expect(full.result.verifiedBytes).toBe(full.result.backups[0].bytes);
    expect(full.reports.some((r) => /\d+ of \d+ bytes verified/.test(r.message ?? ''))).toBe(true);
    expect(records().map((r) => r.key)).toEqual([
      `test/verified/nightly-1/dc1/${HOST}/00${NOW + 2 * HOUR}-quick-passed.json`,
      `test/verified/nightly-1/dc1/${HOST}/00${NOW + 2 * HOUR + 60_000}-full-passed.json`,
    ]);
    expect((await listing())[0].verified).toMatchObject({ state: 'passed', mode: 'full' });
  });

  it('quick finds a deleted object but not a same-size corruption; full finds both; the listing shows failed', async () => {
    const [gone, changed] = dataKeys();
    backend.objects.delete(gone);
    const original = backend.objects.get(changed)!;
    backend.objects.set(changed, { ...original, data: Buffer.alloc(original.data.length, 0x58) });

    const quick = await failure();
    expect(quick).toContain(`${gone} (missing)`);
    expect(quick).toContain('1 missing and 0 corrupt of 6 objects');
    expect((await listing())[0].verified).toMatchObject({ state: 'failed', mode: 'quick' });

    clock.advance(1_000);
    const full = await failure({ mode: 'full' });
    expect(full).toContain('1 missing and 1 corrupt of 6 objects');
    const last = records().at(-1)!;
    expect(last.key).toMatch(/-full-failed\.json$/);
    expect(last.record.problems).toEqual(
      expect.arrayContaining([
        { key: gone, problem: 'missing' },
        { key: changed, problem: 'content', detail: expect.stringContaining('sha256') },
      ]),
    );
    expect((await listing())[0].verified).toMatchObject({ state: 'failed', mode: 'full' });
  });

  it('a size change is corrupt already for quick', async () => {
    const [changed] = dataKeys();
    backend.objects.set(changed, { ...backend.objects.get(changed)!, data: Buffer.from('short') });
    expect(await failure()).toContain(`${changed} (size)`);
  });

  it('reports objects no manifest names as orphans once older than the grace, younger ones apart', async () => {
    await backend.put(`${dataPrefix}ks1/t1-${TABLE_ID}/nb-9-big-x/nb-9-big-Data.db`, () =>
      Readable.from([Buffer.from('left by a failed backup')]),
    );
    backend.objects.get(`${dataPrefix}ks1/t1-${TABLE_ID}/nb-9-big-x/nb-9-big-Data.db`)!.lastModified = new Date(NOW - 5 * HOUR);
    await backend.put(`test/dc1/${HOST}/encrypted/abc/data/ks1/young-Data.db`, () =>
      Readable.from([Buffer.from('a running backup is uploading this')]),
    );
    backend.objects.get(`test/dc1/${HOST}/encrypted/abc/data/ks1/young-Data.db`)!.lastModified = new Date(NOW + 2 * HOUR - 60_000);

    const { result } = await verify();
    expect(result.backups[0].state).toBe('passed'); // orphans are no fault of the backup
    expect(result.orphans).toEqual({
      objects: 1,
      bytes: 'left by a failed backup'.length,
      keys: [`${dataPrefix}ks1/t1-${TABLE_ID}/nb-9-big-x/nb-9-big-Data.db`],
      graceMs: HOUR,
      youngerThanGrace: 1,
    });
  });

  it('objects of other backups are not orphans, and allBackups verifies each committed backup once', async () => {
    await writeSSTable(live, 3, 'third sstable');
    await backup('nightly-2');
    clock.advance(2 * HOUR);
    const { result } = await verify({ backupName: undefined, allBackups: true });
    expect(result.backups.map((b) => [b.backupName, b.state, b.objects])).toEqual([
      ['nightly-1', 'passed', 6],
      ['nightly-2', 'passed', 9],
    ]);
    expect(result.orphans.objects).toBe(0);
    expect(records()).toHaveLength(2);
  });

  it("full verify opens the store with the request's limits and reads no more objects at once than concurrentConnections", async () => {
    const opened: unknown[] = [];
    let inFlight = 0;
    let most = 0;
    const get = backend.get.bind(backend);
    backend.get = async (key, options) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const stream = await get(key, options);
      stream.on('close', () => (inFlight -= 1));
      return stream;
    };
    const executor = new VerifyExecutor(identity, clock, { orphanGraceMs: HOUR }, async (_location, request) => {
      opened.push(request);
      return backend;
    });
    const fields = { mode: 'full' as const, concurrentConnections: 2, bandwidth: { value: 5, unit: 'MBPS' as const } };
    await executor.execute(verifyRequest(fields), phaseContext(undefined).context);
    expect(opened).toEqual([expect.objectContaining({ ...fields, createMissingBucket: false })]);
    expect(most).toBe(2);
  });

  it('refuses a backup this node has no manifest of', async () => {
    expect(await failure({ backupName: 'no-such-backup' })).toContain('backup no-such-backup has no manifest for node');
    expect(records()).toEqual([]);
  });

  describe('deleteOrphans', () => {
    const orphanAt = async (name: string, ageMs: number) => {
      const key = `${dataPrefix}ks1/t1-${TABLE_ID}/${name}/${name}-Data.db`;
      await backend.put(key, () => Readable.from([Buffer.from(`orphan ${name}`)]));
      backend.objects.get(key)!.lastModified = new Date(clock.now().getTime() - ageMs);
      return key;
    };
    // the removal grace (3 h) is longer than verify's (1 h): the longer one decides what goes
    const deleting = () =>
      new VerifyExecutor(identity, clock, { orphanGraceMs: HOUR, removalGraceMs: 3 * HOUR }, async () => backend).execute(
        verifyRequest({ deleteOrphans: true }),
        phaseContext(undefined).context,
      );

    it('deletes through the sweep what no manifest names and is older than the longer grace; keeps the rest, saying why', async () => {
      const referenced = dataKeys();
      const old = await orphanAt('nb-7-big-old', 5 * HOUR);
      const middle = await orphanAt('nb-8-big-middle', 2 * HOUR); // an orphan to verify, too young for the sweep
      const result = await deleting();
      expect(result.orphans.objects).toBe(2);
      expect(result.orphansDeleted).toEqual({
        deleted: { objects: 1, bytes: 'orphan nb-7-big-old'.length, keys: [{ key: old, size: 'orphan nb-7-big-old'.length }] },
        kept: [expect.objectContaining({ objects: 1, reason: expect.stringContaining('younger than the grace window (10800 s)') })],
        finishedManifests: [],
        graceMs: 3 * HOUR,
      });
      expect(backend.objects.has(old)).toBe(false);
      expect(backend.objects.has(middle)).toBe(true);
      expect(referenced.filter((k) => !backend.objects.has(k))).toEqual([]);
      // the sweep's lock is gone once it ends
      expect([...backend.objects.keys()].filter((k) => k.includes('/leases/'))).toEqual([]);
    });

    it('deletes nothing while a backup runs on the node (its lease), whatever verify found', async () => {
      const old = await orphanAt('nb-7-big-old', 5 * HOUR);
      const node = { cluster: 'test', dc: 'dc1', hostId: HOST };
      const lease = newLease(
        'backup',
        { operationId: 'op-b', holder: HOST, backupName: 'nightly-9' },
        clock.now().getTime(),
        BACKUP_LEASE_MS,
      );
      await writeLease(backend, BackupLayout.backupLease(node, 'nightly-9'), lease);
      const result = await deleting();
      expect(result.orphans.objects).toBe(1);
      expect(result.orphansDeleted?.deleted.objects).toBe(0);
      expect(result.orphansDeleted?.kept).toEqual([
        expect.objectContaining({ reason: expect.stringContaining('a backup is running on this node') }),
      ]);
      expect(backend.objects.has(old)).toBe(true);
    });
  });

  it('full verify of an encrypted backup checks the stored bytes without the key, and the plaintext with it', async () => {
    const key = EncryptionKey.fromBytes(Buffer.alloc(32, 7));
    await writeSSTable(live, 3, 'secret sstable');
    await backup('sealed-1', new ClientEncryption(key));
    clock.advance(2 * HOUR);
    const withKey = await verify({ backupName: 'sealed-1', mode: 'full' }, new ClientEncryption(key));
    expect(withKey.result.backups[0]).toMatchObject({ state: 'passed', plaintextChecked: true });
    clock.advance(1_000);
    const withoutKey = await verify({ backupName: 'sealed-1', mode: 'full' });
    expect(withoutKey.result.backups[0]).toMatchObject({ state: 'passed', plaintextChecked: false });

    const sealed = [...backend.objects.keys()].find((k) => k.includes('/encrypted/') && k.endsWith('Data.db'))!;
    const object = backend.objects.get(sealed)!;
    const flipped = Buffer.from(object.data);
    flipped[flipped.length - 1] ^= 1;
    backend.objects.set(sealed, { ...object, data: flipped });
    clock.advance(1_000);
    expect(await failure({ backupName: 'sealed-1', mode: 'full' })).toContain(`${sealed} (content)`);
  });
});
