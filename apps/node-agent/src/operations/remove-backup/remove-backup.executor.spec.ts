import { plainToInstance } from 'class-transformer';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import { RemoveBackupContext, RemoveBackupRequest, RemoveBackupSweepResult, RemoveBackupTombstoneResult } from '@daedalus/contracts';
import { MemoryBackend } from '@daedalus/storage';
import { BackupLayout, NodePath } from '../../repository/backup-layout';
import { listBackups } from '../../repository/backup-catalog';
import { MANIFEST_SCHEMA_VERSION, NodeManifest, summarise } from '../../repository/manifest';
import { BackupLease } from '../../repository/backup-lease';
import { BackupRemovedError, BACKUP_LEASE_MS, holdBackupForRestore, newLease, writeLease } from '../../repository/removal-marks';
import { HOST, phaseContext, TABLE_ID } from '../testing/node-fixtures';
import { RemoveBackupExecutor } from './remove-backup.executor';

const HOST_B = '00000000-0000-4000-8000-000000000002';
const A: NodePath = { cluster: 'test', dc: 'dc1', hostId: HOST };
const B: NodePath = { cluster: 'test', dc: 'dc1', hostId: HOST_B };
const HOUR = 3600_000;

const put = (backend: MemoryBackend, key: string, body: string | object) =>
  backend.put(key, () => Readable.from([Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))]));

const objectKey = (node: NodePath, sstable: string) =>
  BackupLayout.dataFile(node, 'ks1', `t1-${TABLE_ID}`, `nb-${sstable}-big-c1`, `nb-${sstable}-big-Data.db`);

/** A committed backup: each node's objects (written unless there), manifest, index entry; a global one's cluster record. */
async function commitBackup(backend: MemoryBackend, name: string, startTime: string, parts: Array<[NodePath, string[]]>): Promise<void> {
  for (const [node, sstables] of parts) {
    const files = [];
    for (const sstable of sstables) {
      const key = objectKey(node, sstable);
      const content = `content of ${sstable}`;
      if (!backend.objects.has(key)) await put(backend, key, content);
      files.push({
        key,
        name: `nb-${sstable}-big-Data.db`,
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
      });
    }
    const totals = { files: files.length, bytes: 0, uploadedFiles: 0, uploadedBytes: 0 };
    const manifest: NodeManifest = {
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      kind: 'daedalus.node-backup',
      backupName: name,
      snapshotTag: name,
      operationId: 'op',
      cluster: node.cluster,
      dc: node.dc,
      rack: 'rack1',
      hostId: node.hostId,
      address: '127.0.0.1',
      tokens: ['1'],
      cassandraVersion: '5.0.0',
      cassandraSchemaVersion: 's',
      expectedNodes: parts.length,
      startTime,
      endTime: startTime,
      tables: [{ keyspace: 'ks1', table: 't1', tableId: TABLE_ID, files }],
      totals,
    };
    const key = BackupLayout.manifest(node, name);
    await put(backend, key, manifest);
    await put(backend, BackupLayout.nodeIndex(node, name), summarise(manifest, key));
  }
  if (parts.length > 1) {
    await put(backend, BackupLayout.clusterRecord('test', name), {
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      kind: 'daedalus.cluster-backup',
      backupName: name,
      snapshotTag: name,
      operationId: 'op',
      cluster: 'test',
      startTime,
      endTime: startTime,
      nodes: parts.map(([n]) => ({
        hostId: n.hostId,
        dc: n.dc,
        rack: 'rack1',
        address: '127.0.0.1',
        manifest: BackupLayout.manifest(n, name),
        totals: { files: 0, bytes: 0, uploadedFiles: 0, uploadedBytes: 0 },
      })),
      totals: { files: 0, bytes: 0, uploadedFiles: 0, uploadedBytes: 0 },
    });
    await put(backend, BackupLayout.topology('test', name), {});
  }
}

const request = (fields: Record<string, unknown>, node: NodePath = A) =>
  plainToInstance(RemoveBackupRequest, { type: 'remove-backup', storageLocation: `s3://bucket/test/dc1/${node.hostId}`, ...fields });

describe('RemoveBackupExecutor', () => {
  let backend: MemoryBackend;
  let clock: ManualClock;
  let executor: RemoveBackupExecutor;
  const coordination: RemoveBackupContext = { clusterName: 'test', participants: [], global: true };

  /** Both phases as the coordinator runs them: TOMBSTONE on A, then SWEEP on each node with TOMBSTONE's results. */
  async function remove(fields: Record<string, unknown>, nodes: NodePath[] = [A, B], context = coordination) {
    const tombstone = (await executor.execute(
      request(fields, nodes[0]),
      phaseContext('TOMBSTONE', { coordinatorContext: context }).context,
    )) as RemoveBackupTombstoneResult;
    const sweeps: RemoveBackupSweepResult[] = [];
    for (const node of nodes) {
      const { context: sweepContext } = phaseContext('SWEEP', {
        coordinatorContext: context,
        phaseResults: { TOMBSTONE: { [nodes[0].hostId]: tombstone } },
      });
      sweeps.push((await executor.execute(request(fields, node), sweepContext)) as RemoveBackupSweepResult);
    }
    return { tombstone, sweeps };
  }

  const keys = () => [...backend.objects.keys()].sort();

  beforeEach(async () => {
    backend = new MemoryBackend();
    // the objects were written "now" (real time); the agent's clock is an hour on, past the 30 min grace
    clock = new ManualClock(Date.now() + HOUR);
    executor = new RemoveBackupExecutor({ graceMs: HOUR / 2 }, clock, async () => backend);
    const daysAgo = (days: number) => new Date(Date.now() - days * 24 * HOUR).toISOString();
    await commitBackup(backend, 'b1', daysAgo(3), [
      [A, ['1', '2']],
      [B, ['1']],
    ]);
    await commitBackup(backend, 'b2', daysAgo(2), [
      [A, ['2', '3']],
      [B, ['1', '2']],
    ]);
    await commitBackup(backend, 'b3', daysAgo(1), [
      [A, ['3', '4']],
      [B, ['2']],
    ]);
  });

  it('removes the oldest backup: gone from listing, its commit points deleted, only objects no other backup references swept', async () => {
    const { tombstone, sweeps } = await remove({ removeOldest: true, globalRequest: true });
    expect(tombstone.removed.map((b) => b.name)).toEqual(['b1']);
    expect((await listBackups(backend, { ...location(), path: ['test'] })).map((b) => b.name)).toEqual(['b3', 'b2']);
    for (const key of [BackupLayout.clusterRecord('test', 'b1'), BackupLayout.manifest(A, 'b1'), BackupLayout.nodeIndex(B, 'b1')])
      expect(backend.objects.has(key)).toBe(false);
    expect(backend.objects.has(BackupLayout.tombstone('test', 'b1'))).toBe(true);
    // A's sstable 1 was b1's alone; 2 is shared with b2; B's 1 is shared with b2
    expect(sweeps[0].swept.keys).toEqual([{ key: objectKey(A, '1'), size: 12 }]);
    expect(sweeps[1].swept.objects).toBe(0);
    expect(backend.objects.has(objectKey(A, '2'))).toBe(true);
    expect(backend.objects.has(objectKey(B, '1'))).toBe(true);
    // no lock left behind
    expect(keys().filter((k) => k.includes('/leases/'))).toEqual([]);
  });

  it("deletes a removed backup's verification records (a dry run counts them), and no other backup's", async () => {
    const record = (name: string, node: NodePath, at: number) => BackupLayout.verification(node, name, new Date(at), 'quick', 'passed');
    const b1Records = [record('b1', A, 1), record('b1', A, 2), record('b1', B, 1)];
    // b10's records share b1's name as a prefix: they must stay
    const others = [record('b2', A, 1), record('b10', A, 1)];
    for (const key of [...b1Records, ...others]) await put(backend, key, {});
    const dry = await remove({ backupName: 'b1', globalRequest: true, dry: true });
    expect(dry.tombstone.removed).toEqual([expect.objectContaining({ name: 'b1', verificationRecords: 3 })]);
    expect(b1Records.every((k) => backend.objects.has(k))).toBe(true);
    const real = await remove({ backupName: 'b1', globalRequest: true });
    expect(real.tombstone.removed).toEqual([expect.objectContaining({ name: 'b1', verificationRecords: 3 })]);
    expect(keys().filter((k) => k.includes('/verified/'))).toEqual([...others].sort());
  });

  it('a node-local removal deletes its node’s verification records of its backup', async () => {
    await commitBackup(backend, 'local1', new Date(Date.now() - 4 * 24 * HOUR).toISOString(), [[A, ['9']]]);
    const mine = BackupLayout.verification(A, 'local1', new Date(5), 'full', 'failed');
    await put(backend, mine, {});
    const local = { ...coordination, global: false };
    const { tombstone } = await remove({ backupName: 'local1' }, [A], local);
    expect(tombstone.removed).toEqual([expect.objectContaining({ name: 'local1', verificationRecords: 1 })]);
    expect(backend.objects.has(mine)).toBe(false);
  });

  it('removes every backup older than a duration, and one by name', async () => {
    const older = await remove({ olderThan: '36 hours', globalRequest: true });
    expect(older.tombstone.removed.map((b) => b.name)).toEqual(['b1', 'b2']);
    const named = await remove({ backupName: 'b3', globalRequest: true });
    expect(named.tombstone.removed.map((b) => b.name)).toEqual(['b3']);
    expect(keys().filter((k) => k.includes('/data/'))).toEqual([]);
  });

  it('a dry run changes nothing, and its plan is what the real run then does', async () => {
    const before = keys();
    const dry = await remove({ removeOldest: true, globalRequest: true, dry: true });
    expect(keys()).toEqual(before);
    const real = await remove({ removeOldest: true, globalRequest: true });
    expect({ ...dry.tombstone, dry: false }).toEqual(real.tombstone);
    expect(dry.sweeps.map((s) => ({ ...s, dry: false }))).toEqual(real.sweeps);
    expect(real.sweeps[0].swept.objects).toBe(1);
  });

  it('keeps unreferenced objects while a backup runs on the node, and those younger than the grace window', async () => {
    await writeLease(
      backend,
      BackupLayout.backupLease(A, 'b4'),
      newLease('backup', { operationId: 'op4', holder: HOST, backupName: 'b4' }, clock.now().getTime(), BACKUP_LEASE_MS),
    );
    const { sweeps } = await remove({ removeOldest: true, globalRequest: true });
    expect(sweeps[0].swept.objects).toBe(0);
    expect(sweeps[0].kept).toEqual([
      expect.objectContaining({ objects: 1, reason: expect.stringContaining('a backup is running on this node (lease test/dc1/') }),
    ]);
    expect(backend.objects.has(objectKey(A, '1'))).toBe(true);

    // the lease lapsed (the backup died): a rerun by name finishes the removal — but the grace window still holds fresh objects
    clock.advance(BACKUP_LEASE_MS + 60_000);
    executor = new RemoveBackupExecutor({ graceMs: 10 * HOUR }, clock, async () => backend);
    const young = await remove({ backupName: 'b1', globalRequest: true });
    expect(young.tombstone.removed).toEqual([expect.objectContaining({ name: 'b1', resumed: true })]);
    expect(young.sweeps[0].kept).toEqual([expect.objectContaining({ objects: 1, reason: expect.stringContaining('grace window') })]);

    executor = new RemoveBackupExecutor({ graceMs: 0 }, clock, async () => backend);
    const rerun = await remove({ backupName: 'b1', globalRequest: true });
    expect(rerun.sweeps[0].swept.keys.map((k) => k.key)).toEqual([objectKey(A, '1')]);
  });

  it('refuses (409) a backup a restore reads, undoing its tombstone; a restore of a tombstoned backup is refused', async () => {
    await holdBackupForRestore(backend, 'test', 'b1', { operationId: 'r1', holder: HOST_B }, clock.now().getTime());
    const { tombstone, sweeps } = await remove({ backupName: 'b1', globalRequest: true });
    expect(tombstone.removed).toEqual([]);
    expect(tombstone.refused).toEqual([
      expect.objectContaining({ name: 'b1', status: 409, reason: expect.stringContaining('being restored') }),
    ]);
    expect(backend.objects.has(BackupLayout.tombstone('test', 'b1'))).toBe(false);
    expect(backend.objects.has(BackupLayout.clusterRecord('test', 'b1'))).toBe(true);
    expect(sweeps[0].swept.objects).toBe(0);

    await remove({ backupName: 'b2', globalRequest: true });
    await expect(holdBackupForRestore(backend, 'test', 'b2', { operationId: 'r2', holder: HOST }, clock.now().getTime())).rejects.toThrow(
      BackupRemovedError,
    );
    expect(backend.objects.has(BackupLayout.restoreLease('test', 'b2', 'r2', HOST))).toBe(false);
  });

  it('finishes an interrupted removal: a tombstoned backup with commit points left is hidden, then finished by any later removal', async () => {
    await put(backend, BackupLayout.tombstone('test', 'b1'), { kind: 'daedalus.backup-tombstone' });
    expect((await listBackups(backend, { ...location(), path: ['test'] })).map((b) => b.name)).toEqual(['b3', 'b2']);
    const { tombstone, sweeps } = await remove({ backupName: 'b3', globalRequest: true });
    expect(tombstone.removed.map((b) => [b.name, b.resumed ?? false])).toEqual([
      ['b3', false],
      ['b1', true],
    ]);
    expect(backend.objects.has(BackupLayout.manifest(A, 'b1'))).toBe(false);
    // A keeps 2 and 3 (b2), B keeps 1 and 2 (b2)
    expect(sweeps[0].swept.keys.map((k) => k.key).sort()).toEqual([objectKey(A, '1'), objectKey(A, '4')]);
    expect(sweeps[1].swept.objects).toBe(0);
  });

  it('a node-local removal refuses a cluster-wide backup and removes a node-local one of its node', async () => {
    await commitBackup(backend, 'local1', new Date(Date.now() - 100 * 24 * HOUR).toISOString(), [[A, ['9']]]);
    const local = { clusterName: 'test', participants: [], global: false };
    const refused = await remove({ backupName: 'b1' }, [A], local);
    expect(refused.tombstone.refused).toEqual([
      expect.objectContaining({ name: 'b1', status: 400, reason: expect.stringContaining('globalRequest true') }),
    ]);
    const oldest = await remove({ removeOldest: true }, [A], local);
    expect(oldest.tombstone.removed.map((b) => b.name)).toEqual(['local1']);
    expect(oldest.sweeps[0].swept.keys.map((k) => k.key)).toEqual([objectKey(A, '9')]);
  });

  it("sweeps each encryption key's data prefix the same way, and leaves every other prefix alone", async () => {
    const sealed = BackupLayout.dataFile(A, 'ks1', `t1-${TABLE_ID}`, 'nb-7-big-c7', 'nb-7-big-Data.db', 'fp1');
    const elsewhere = `${BackupLayout.nodePrefix(A)}encrypted/fp1/notes.txt`;
    await put(backend, sealed, 'sealed bytes');
    await put(backend, elsewhere, 'not an SSTable object');
    const { sweeps } = await remove({ removeOldest: true, globalRequest: true });
    expect(sweeps[0].swept.keys.map((k) => k.key).sort()).toEqual([objectKey(A, '1'), sealed].sort());
    expect(backend.objects.has(elsewhere)).toBe(true);
  });

  it('fails on a name no backup has', async () => {
    await expect(remove({ backupName: 'nope', globalRequest: true })).rejects.toThrow('no backup named nope');
  });
});

describe('BackupLease', () => {
  it('waits while a removal sweeps the node, and goes on once the sweep lock is gone', async () => {
    const backend = new MemoryBackend();
    const clock = new ManualClock(Date.now());
    const lock = BackupLayout.sweepLock(A, 'rm1');
    await writeLease(backend, lock, newLease('sweep', { operationId: 'rm1', holder: HOST }, clock.now().getTime(), 60_000));
    const waits: string[] = [];
    const acquiring = BackupLease.acquire(
      backend,
      A,
      { operationId: 'b', holder: HOST, backupName: 'b4' },
      clock,
      new AbortController().signal,
      (m) => waits.push(m),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(backend.objects.has(BackupLayout.backupLease(A, 'b4'))).toBe(true);
    expect(waits[0]).toContain('waiting for a removal sweeping this node');
    await backend.delete(lock);
    const lease = await acquiring;
    lease.assertHeld();
    clock.advance(BACKUP_LEASE_MS);
    expect(() => lease.assertHeld()).toThrow('lapsed');
    await lease.release();
    expect(backend.objects.has(BackupLayout.backupLease(A, 'b4'))).toBe(false);
  });
});

function location() {
  return { protocol: 's3' as const, bucket: 'bucket', path: [] as string[], raw: 's3://bucket' };
}
