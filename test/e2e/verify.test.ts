/**
 * `verify` end to end: 2 simulated nodes, real JMX snapshots, agents checking the store, the gateway's listing.
 * After two backups, the second is damaged on node 1 (one object deleted, one overwritten with other bytes of
 * the same size) and an orphan is left under its data prefix: quick finds the missing object, full also the
 * corrupt one, both report the orphan, and GET /backups shows the damaged backup failed and the clean passed.
 * `deleteOrphans` then deletes, through remove-backup's sweep, an orphan older than the removal grace (6 h,
 * the agent's default) and keeps a young one and every referenced object. One case runs against s3rver.
 */
import { existsSync, mkdirSync, utimesSync, writeFileSync, unlinkSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { openProvider } from '@daedalus/storage';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { startEmulator, StorageEmulator } from '../storage/emulators';
import { ManifestDoc, readJson, runBackup, runOperation } from './backup-support';

const CLUSTER = 'daedalus-test';
const GRACE_MS = 10 * 60_000;

interface VerifyResult {
  backups: Array<{ backupName: string; state: string; missing: number; corrupt: number }>;
  orphans: { objects: number; keys: string[]; youngerThanGrace: number };
}

describe('verify', () => {
  let dir: string;
  let emulators: ProcessGroup;
  let s3: StorageEmulator;
  let system: DaedalusSystem;
  let location: string;
  const bucketDir = () => join(dir, 'store', 'bucket');
  const manifestOf = (hostId: string, backupName: string) =>
    readJson<ManifestDoc>(join(bucketDir(), CLUSTER, 'dc1', hostId, 'manifests', `${backupName}.json`));
  const keysOf = (manifest: ManifestDoc) => manifest.tables.flatMap((t) => t.files.map((f) => f.key));

  beforeAll(async () => {
    dir = makeTempDir('verify');
    mkdirSync(join(dir, 'store'));
    location = `file://${dir}/store/bucket`;
    emulators = new ProcessGroup(dir);
    s3 = await startEmulator('s3', emulators, join(dir, 's3'));
    system = await DaedalusSystem.start({
      nodes: 2,
      coordinators: 1,
      env: s3.env,
      agentArgs: ['--verify-orphan-grace-ms', String(GRACE_MS)],
    });
    await system.createTables('shop', ['orders'], 100);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    await emulators?.stopAll();
    if (dir) removeDir(dir);
  }, 60_000);

  const verify = (fields: Record<string, unknown>) =>
    runOperation(system, { type: 'verify', storageLocation: location, globalRequest: true, ...fields }, 120_000);
  let cleanBackup = '';
  let orphanOfAnHour = '';
  const messages = (operation: OperationView) => operation.errors.map((e) => e.message).join('\n');

  it('quick finds the missing object, full also the corrupt one, both the orphan; the listing marks each backup', async () => {
    const clean = await runBackup(system, { storageLocation: location, snapshotTag: 'clean', createMissingBucket: true });
    expect(clean.operation.state).toBe('COMPLETED');
    const [first, second] = system.nodes;
    await system.simOf(first).generateSSTables('shop', 'orders', 2, 256 * 1024);
    const damaged = await runBackup(system, { storageLocation: location, snapshotTag: 'damaged' });
    expect(damaged.operation.state).toBe('COMPLETED');

    // damage only objects the clean backup does not share
    const shared = new Set(keysOf(await manifestOf(first.hostId, clean.backupName)));
    const own = keysOf(await manifestOf(first.hostId, damaged.backupName)).filter((k) => !shared.has(k) && k.endsWith('Data.db'));
    expect(own.length).toBeGreaterThanOrEqual(2);
    const [gone, changed] = own;
    unlinkSync(join(bucketDir(), gone));
    writeFileSync(join(bucketDir(), changed), Buffer.alloc(statSync(join(bucketDir(), changed)).size, 0x58));
    const orphan = `${CLUSTER}/dc1/${first.hostId}/data/shop/orders-0123/nb-99-big-c1/nb-99-big-Data.db`;
    mkdirSync(dirname(join(bucketDir(), orphan)), { recursive: true });
    writeFileSync(join(bucketDir(), orphan), 'left by a backup that failed');
    cleanBackup = clean.backupName;
    orphanOfAnHour = orphan;
    const anHourAgo = new Date(Date.now() - 3600_000);
    utimesSync(join(bucketDir(), orphan), anHourAgo, anHourAgo);

    const quick = await verify({ backupName: damaged.backupName, mode: 'quick' });
    expect(quick.state).toBe('FAILED');
    expect(messages(quick)).toContain(`${gone} (missing)`);
    expect(messages(quick)).toContain('1 missing and 0 corrupt');
    expect(messages(quick)).toContain('1 orphaned objects');
    expect(messages(quick)).not.toContain(changed); // same size: only reading it back tells

    const full = await verify({
      backupName: damaged.backupName,
      mode: 'full',
      concurrentConnections: 2,
      bandwidth: { value: 50, unit: 'MBPS' },
    });
    expect(full.state).toBe('FAILED');
    expect(messages(full)).toContain('1 missing and 1 corrupt');
    expect(messages(full)).toContain(`${changed} (`);

    const passed = await verify({ backupName: clean.backupName, mode: 'full' });
    expect(passed.errors).toEqual([]);
    expect(passed.state).toBe('COMPLETED');
    const byHost = passed.response as Record<string, VerifyResult>;
    expect(byHost[first.hostId].backups).toEqual([expect.objectContaining({ backupName: clean.backupName, state: 'passed' })]);
    expect(byHost[first.hostId].orphans).toMatchObject({ objects: 1, keys: [orphan] });
    expect(byHost[second.hostId].orphans.objects).toBe(0);

    const listing = await system.get(`/backups?storageLocation=${encodeURIComponent(location)}`);
    expect(listing.status).toBe(200);
    const verified = new Map((listing.body as Array<{ name: string; verified?: unknown }>).map((b) => [b.name, b.verified]));
    expect(verified.get(damaged.backupName)).toMatchObject({ state: 'failed', mode: 'full' });
    expect(verified.get(clean.backupName)).toMatchObject({ state: 'passed', mode: 'full', nodesVerified: 2 });
  }, 400_000);

  it('deleteOrphans deletes, through the sweep, an orphan older than the grace; a young one and referenced objects stay', async () => {
    const first = system.nodes[0];
    const orphanIn = (name: string, ageMs: number) => {
      const key = `${CLUSTER}/dc1/${first.hostId}/data/shop/orders-0123/${name}/${name}-Data.db`;
      mkdirSync(dirname(join(bucketDir(), key)), { recursive: true });
      writeFileSync(join(bucketDir(), key), `orphan ${name}`);
      const at = new Date(Date.now() - ageMs);
      utimesSync(join(bucketDir(), key), at, at);
      return key;
    };
    const old = orphanIn('nb-97-big-c2', 2 * 24 * 3600_000);
    const young = orphanIn('nb-98-big-c3', 0);
    const referenced = [...new Set((await Promise.all(system.nodes.map((n) => manifestOf(n.hostId, cleanBackup)))).flatMap(keysOf))];

    const done = await verify({ backupName: cleanBackup, mode: 'quick', deleteOrphans: true });
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    interface Deletion {
      deleted: { objects: number; keys: Array<{ key: string }> };
      kept: Array<{ reason: string; keys: Array<{ key: string }> }>;
    }
    const mine = (done.response as Record<string, VerifyResult & { orphansDeleted: Deletion }>)[first.hostId];
    expect(mine.orphans.keys.sort()).toEqual([old, orphanOfAnHour].sort()); // verify's 10 min grace calls both orphans
    expect(mine.orphansDeleted.deleted.keys.map((k) => k.key)).toEqual([old]);
    // the removal grace (6 h) keeps the hour-old one and the young one, saying why
    expect(mine.orphansDeleted.kept).toEqual([
      expect.objectContaining({ reason: expect.stringContaining('younger than the grace window (21600 s)') }),
    ]);
    expect(mine.orphansDeleted.kept[0].keys.map((k) => k.key).sort()).toEqual([orphanOfAnHour, young].sort());
    expect(existsSync(join(bucketDir(), old))).toBe(false);
    expect(existsSync(join(bucketDir(), young))).toBe(true);
    expect(referenced.filter((k) => !existsSync(join(bucketDir(), k)))).toEqual([]);
    const again = await verify({ backupName: cleanBackup, mode: 'full' });
    expect(again.state).toBe('COMPLETED');
  }, 300_000);

  it('refuses a deleteOrphans that is not a boolean with a 400 naming it', async () => {
    const refused = await system.post('/operations', {
      type: 'verify',
      storageLocation: location,
      allBackups: true,
      deleteOrphans: 'maybe',
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('deleteOrphans');
  });

  it('on s3rver, full verify finds a deleted and an overwritten object', async () => {
    const s3Location = 's3://verify-s3';
    const backup = await runBackup(system, { storageLocation: s3Location, snapshotTag: 's3', createMissingBucket: true });
    expect(backup.operation.state).toBe('COMPLETED');
    const backend = openProvider(s3Location, { env: { ...process.env, ...s3.env } });
    try {
      const host = system.nodes[1].hostId;
      const manifest = JSON.parse(
        await new Response(
          Readable.toWeb(await backend.get(`${CLUSTER}/dc1/${host}/manifests/${backup.backupName}.json`)) as ReadableStream,
        ).text(),
      ) as ManifestDoc;
      const files = manifest.tables.flatMap((t) => t.files).filter((f) => f.size > 0);
      await backend.delete(files[0].key);
      await backend.put(files[1].key, () => Readable.from([Buffer.alloc(files[1].size, 0x58)]));
    } finally {
      await backend.close();
    }
    const full = await runOperation(system, {
      type: 'verify',
      storageLocation: s3Location,
      backupName: backup.backupName,
      mode: 'full',
      globalRequest: true,
    });
    expect(full.state).toBe('FAILED');
    expect(messages(full)).toContain('1 missing and 1 corrupt');
  }, 300_000);
});
