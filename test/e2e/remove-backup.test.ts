/**
 * remove-backup on the simulated cluster (docs/design.md, "Removing backups"), against the file store and s3rver
 * in one system: the oldest of three backups removed while a fourth uploads — the fourth completes, the sweep
 * keeps everything on nodes where it runs, a rerun sweeps what only the removed backup held, and both remaining
 * older backups restore to exactly their content; a dry run changes nothing and plans what the real run does; a
 * removal whose coordinators and agent are SIGKILLed midway finishes on rerun; retention with keepLast 2 over five
 * hourly backups, one of them incomplete, leaves exactly the two newest complete (its dry run first: same plan,
 * store unchanged). After every step every object every remaining manifest names exists.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openProvider, StorageBackend } from '@daedalus/storage';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { startEmulator, StorageEmulator } from '../storage/emulators';
import { filesUnder, ManifestDoc, readJson, runBackup, runOperation } from './backup-support';

const CLUSTER = 'daedalus-test';
const SHARED = 'shop.orders,shop.customers';

interface SweepResult {
  hostId: string;
  swept: { objects: number; bytes: number; keys: Array<{ key: string; size: number }> };
  kept: Array<{ reason: string; objects: number }>;
  finishedManifests: string[];
  dry: boolean;
}
interface TombstoneResult {
  dry: boolean;
  removed: Array<{ name: string; resumed?: boolean }>;
  refused: Array<{ name: string; status: number; reason: string }>;
}
interface RemovalResponse {
  TOMBSTONE: Record<string, TombstoneResult>;
  SWEEP: Record<string, SweepResult>;
}

const responseOf = (op: OperationView) => op.response as RemovalResponse;
const tombstoneOf = (op: OperationView) => Object.values(responseOf(op).TOMBSTONE)[0];
const sweepsOf = (op: OperationView) => Object.values(responseOf(op).SWEEP).sort((a, b) => a.hostId.localeCompare(b.hostId));

describe('remove-backup', () => {
  let dir: string;
  let emulators: ProcessGroup;
  let s3: StorageEmulator;
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  const names: Record<string, string> = {};
  /** each table's content on each node when a backup was taken: content[backup][table][node] */
  const content: Record<string, Record<string, string[]>> = {};

  const checksums = (table: string) => Promise.all(system.nodes.map(async (n) => String(await system.simOf(n).checksum('shop', table))));
  const bucketDir = () => join(storeRoot, 'bucket');

  async function flush(): Promise<void> {
    const done = await runOperation(system, { type: 'flush', keyspace: 'shop', globalRequest: true });
    expect(done.state).toBe('COMPLETED');
  }

  async function writeMore(seed: number): Promise<void> {
    for (const node of system.nodes)
      for (const table of ['orders', 'customers']) await system.simOf(node).writeRows('shop', table, 40, seed + node.index);
    await flush();
  }

  async function backup(label: string, entities: string, extra: Record<string, unknown> = {}): Promise<void> {
    const { operation, backupName } = await runBackup(
      system,
      { storageLocation: location, snapshotTag: label, entities, createMissingBucket: true, ...extra },
      240_000,
    );
    expect(operation.errors).toEqual([]);
    expect(operation.state).toBe('COMPLETED');
    names[label] = backupName;
    content[label] = { orders: await checksums('orders'), customers: await checksums('customers') };
  }

  const remove = (body: Record<string, unknown>, at = location) =>
    runOperation(system, { type: 'remove-backup', storageLocation: at, globalRequest: true, ...body }, 240_000);

  /** Every object key (relative to the bucket) of the file store. */
  const storeKeys = async () => (await filesUnder(bucketDir())).map((p) => p.slice(bucketDir().length + 1)).sort();

  /** The manifests in the file store, with the keys of every object they name. */
  async function manifests(): Promise<ManifestDoc[]> {
    const found: ManifestDoc[] = [];
    for (const node of system.nodes) {
      const folder = join(bucketDir(), CLUSTER, 'dc1', node.hostId, 'manifests');
      for (const file of existsSync(folder) ? readdirSync(folder) : []) found.push(await readJson<ManifestDoc>(join(folder, file)));
    }
    return found;
  }

  /** Nothing still referenced was deleted: every object of every remaining manifest is in the store. */
  async function expectEveryManifestWhole(): Promise<void> {
    const keys = new Set(await storeKeys());
    const missing = (await manifests()).flatMap((m) => m.tables.flatMap((t) => t.files.map((f) => f.key))).filter((k) => !keys.has(k));
    expect(missing).toEqual([]);
  }

  /** The objects only the named backup's manifests reference (its own, not those of any other remaining backup). */
  async function objectsOnlyIn(backupName: string): Promise<string[]> {
    const all = await manifests();
    const others = new Set(
      all.filter((m) => m.backupName !== backupName).flatMap((m) => m.tables.flatMap((t) => t.files.map((f) => f.key))),
    );
    return all
      .filter((m) => m.backupName === backupName)
      .flatMap((m) => m.tables.flatMap((t) => t.files.map((f) => f.key)))
      .filter((k) => !others.has(k));
  }

  const listedNames = async (at = location) =>
    ((await system.get(`/backups?storageLocation=${encodeURIComponent(at)}`)).body as Array<{ name: string }>).map((b) => b.name).sort();

  beforeAll(async () => {
    dir = makeTempDir('remove-backup');
    emulators = new ProcessGroup(dir);
    s3 = await startEmulator('s3', emulators, join(dir, 's3'));
    Object.assign(process.env, s3.env);
    storeRoot = join(dir, 'store');
    location = `file://${storeRoot}/bucket`;
    // no grace window here: the test's objects are seconds old; leases and locks are what it proves
    system = await DaedalusSystem.start({ nodes: 3, coordinators: 2, env: s3.env, agentArgs: ['--removal-grace-ms', '0'] });
    await system.createTables('shop', ['orders', 'customers', 'extra1', 'extra3'], 100);
    for (const node of system.nodes) {
      await system.simOf(node).generateSSTables('shop', 'extra1', 3, 16 * 1024);
      await system.simOf(node).generateSSTables('shop', 'extra3', 20, 4 * 1024);
    }
    await flush();
    // b1 alone holds extra1 and b3 alone extra3: their objects are the ones a removal may sweep
    await backup('b1', `${SHARED},shop.extra1`);
    await writeMore(100);
    await backup('b2', SHARED);
    await writeMore(200);
    await backup('b3', `${SHARED},shop.extra3`);
  }, 600_000);

  afterAll(async () => {
    await system?.stop();
    await emulators?.stopAll();
    if (dir) removeDir(dir);
  }, 60_000);

  it('removes the oldest while a fourth backup uploads; a rerun sweeps it; the older backups still restore exactly', async () => {
    const onlyB1 = await objectsOnlyIn(names.b1);
    expect(onlyB1.length).toBeGreaterThan(0);
    const sharedWithB1 = (await manifests()).find((m) => m.backupName === names.b1)?.tables.find((t) => t.table === 'orders')?.files ?? [];
    expect(sharedWithB1.length).toBeGreaterThan(0);

    // the fourth backup: new data, throttled, so it is still uploading while the removal runs
    for (const node of system.nodes) await system.simOf(node).generateSSTables('shop', 'orders', 2, 1024 * 1024);
    await flush();
    const fourth = await system.post('/operations', {
      type: 'backup',
      globalRequest: true,
      storageLocation: location,
      snapshotTag: 'b4',
      entities: SHARED,
      bandwidth: { value: 128, unit: 'KBPS' },
    });
    expect(fourth.status).toBe(201);
    const leaseDirs = system.nodes.map((n) => join(bucketDir(), CLUSTER, 'dc1', n.hostId, 'leases'));
    const leased = () => leaseDirs.every((d) => existsSync(d) && readdirSync(d).some((f) => f.startsWith('backup-b4-')));
    for (let i = 0; i < 600 && !leased(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(leased()).toBe(true);

    const removal = await remove({ removeOldest: true });
    expect(removal.errors).toEqual([]);
    expect(removal.state).toBe('COMPLETED');
    expect(tombstoneOf(removal).removed.map((b) => b.name)).toEqual([names.b1]);
    // a backup runs on every node: nothing swept, everything kept and said why
    for (const sweep of sweepsOf(removal)) {
      expect(sweep.swept.objects).toBe(0);
      expect(sweep.kept).toEqual([expect.objectContaining({ reason: expect.stringContaining('a backup is running on this node (lease') })]);
    }
    expect(await listedNames()).not.toContain(names.b1);
    const keysAfterTombstone = new Set(await storeKeys());
    expect(onlyB1.filter((k) => !keysAfterTombstone.has(k))).toEqual([]);
    await expectEveryManifestWhole();

    const b4 = await system.waitForOperation((fourth.body as OperationView).id, undefined, 240_000);
    expect(b4.errors).toEqual([]);
    expect(b4.state).toBe('COMPLETED');
    names.b4 = Object.values((b4.response as { UPLOAD: Record<string, { backupName: string }> }).UPLOAD)[0].backupName;
    content.b4 = { orders: await checksums('orders'), customers: await checksums('customers') };
    await expectEveryManifestWhole();

    // the rerun finds b1 tombstoned and sweeps what only it referenced
    const rerun = await remove({ backupName: names.b1 });
    expect(rerun.state).toBe('COMPLETED');
    expect(tombstoneOf(rerun).removed).toEqual([expect.objectContaining({ name: names.b1, resumed: true })]);
    const swept = sweepsOf(rerun).flatMap((s) => s.swept.keys.map((k) => k.key));
    expect(swept.sort()).toEqual([...onlyB1].sort());
    const keys = new Set(await storeKeys());
    expect(onlyB1.filter((k) => keys.has(k))).toEqual([]);
    expect(sharedWithB1.filter((f) => !keys.has(f.key))).toEqual([]);
    await expectEveryManifestWhole();
    expect(keys.size).toBeGreaterThan(0);
    expect([...keys].filter((k) => k.includes('/leases/'))).toEqual([]);

    for (const label of ['b2', 'b3']) {
      const restored = await runOperation(
        system,
        { type: 'restore', storageLocation: location, snapshotTag: names[label], globalRequest: true, entities: SHARED },
        240_000,
      );
      expect(restored.errors).toEqual([]);
      expect(restored.state).toBe('COMPLETED');
      for (const table of ['orders', 'customers'])
        expect({ label, table, content: await checksums(table) }).toEqual({ label, table, content: content[label][table] });
      await expectEveryManifestWhole();
    }
  });

  it('refuses (409) to remove a backup a restore is reading, and leaves it whole', async () => {
    const restoring = await system.post('/operations', {
      type: 'restore',
      storageLocation: location,
      snapshotTag: names.b4,
      globalRequest: true,
      entities: SHARED,
      // 2 MiB per node at 128 KiB/s: still downloading (its leases held) while the removal runs
      bandwidth: { value: 128, unit: 'KBPS' },
    });
    expect(restoring.status).toBe(201);
    const leases = join(bucketDir(), CLUSTER, 'leases');
    const held = () => existsSync(leases) && readdirSync(leases).some((f) => f.startsWith(`restore-${names.b4}-`));
    for (let i = 0; i < 600 && !held(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(held()).toBe(true);

    const refused = await remove({ backupName: names.b4 });
    expect(refused.state).toBe('COMPLETED');
    expect(tombstoneOf(refused).removed).toEqual([]);
    expect(tombstoneOf(refused).refused).toEqual([
      expect.objectContaining({ name: names.b4, status: 409, reason: expect.stringContaining('is being restored') }),
    ]);
    expect(existsSync(join(bucketDir(), CLUSTER, 'removed', `${names.b4}.json`))).toBe(false);
    expect(await listedNames()).toContain(names.b4);

    const restored = await system.waitForOperation((restoring.body as OperationView).id, undefined, 240_000);
    expect(restored.errors).toEqual([]);
    expect(restored.state).toBe('COMPLETED');
    for (const table of ['orders', 'customers']) expect(await checksums(table)).toEqual(content.b4[table]);
    // every node released its lease when its download ended
    expect(held()).toBe(false);
    await expectEveryManifestWhole();
  });

  it('a dry run changes nothing and plans exactly what the real run then does', async () => {
    const before = await storeKeys();
    const dry = await remove({ backupName: names.b2, dry: true });
    expect(dry.state).toBe('COMPLETED');
    expect(await storeKeys()).toEqual(before);
    expect(tombstoneOf(dry).removed.map((b) => b.name)).toEqual([names.b2]);

    const real = await remove({ backupName: names.b2 });
    expect(real.state).toBe('COMPLETED');
    expect({ ...tombstoneOf(dry), dry: false }).toEqual(tombstoneOf(real));
    expect(sweepsOf(dry).map((s) => ({ ...s, dry: false }))).toEqual(sweepsOf(real));
    expect(await listedNames()).not.toContain(names.b2);
    await expectEveryManifestWhole();
  });

  it('finishes on rerun a removal whose coordinators and agent were SIGKILLed midway', async () => {
    const onlyB3 = await objectsOnlyIn(names.b3);
    expect(onlyB3.length).toBeGreaterThan(0);
    const tombstone = join(bucketDir(), CLUSTER, 'removed', `${names.b3}.json`);
    const started = await system.post('/operations', {
      type: 'remove-backup',
      storageLocation: location,
      globalRequest: true,
      backupName: names.b3,
    });
    expect(started.status).toBe(201);
    for (let i = 0; i < 3000 && !existsSync(tombstone); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(existsSync(tombstone)).toBe(true);
    const victim = system.nodes[0];
    await Promise.all([...system.coordinators, system.agents[victim.index]].map((p) => system.group.kill(p, 'SIGKILL')));
    // midway: tombstoned, but no sweep has run (it needs a coordinator to start it)
    expect(onlyB3.filter((k) => existsSync(join(bucketDir(), k)))).toEqual(onlyB3);
    // the backup is gone for listing and restore at once, whatever the removal finished
    await system.startCoordinator(0);
    await system.startCoordinator(1);
    await system.startAgent(victim);
    expect(await listedNames()).not.toContain(names.b3);

    const rerun = await remove({ backupName: names.b3 });
    expect(rerun.errors).toEqual([]);
    expect(rerun.state).toBe('COMPLETED');
    expect(tombstoneOf(rerun).removed).toEqual([expect.objectContaining({ name: names.b3, resumed: true })]);
    const keys = new Set(await storeKeys());
    expect(onlyB3.filter((k) => keys.has(k))).toEqual([]);
    expect([...keys].filter((k) => k.includes(`/${names.b3}.json`) && !k.includes('/removed/'))).toEqual([]);
    await expectEveryManifestWhole();
    expect(await listedNames()).toEqual([names.b4]);
  });

  it('retention keepLast 2 over five backups, one incomplete, leaves exactly the two newest complete; its dry run plans it', async () => {
    const at = `file://${storeRoot}/retention`;
    const root = join(storeRoot, 'retention', CLUSTER);
    const taken: string[] = [];
    for (let i = 1; i <= 5; i++) {
      // the first alone holds extra1: objects only a removed backup references, for the sweep to delete
      const entities = i === 1 ? `${SHARED},shop.extra1` : SHARED;
      const { operation, backupName } = await runBackup(
        system,
        { storageLocation: at, snapshotTag: `hourly${i}`, entities, createMissingBucket: true },
        240_000,
      );
      expect(operation.state).toBe('COMPLETED');
      taken.push(backupName);
    }
    // Hourly backups: a retention run happens hours after the backups it judges, and an incomplete one is removed
    // only once older than incompleteGrace (at least 1 h). Backups here are seconds apart, so their commit points'
    // times are moved back: backup i started (6 - i) h ago. The 4th becomes incomplete as a backup whose coordinator
    // died before COMMIT leaves it: every node's manifest and index entry, no cluster record.
    const rewrite = (file: string, startTime: string) => {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { startTime: string; endTime?: string };
      writeFileSync(file, JSON.stringify({ ...doc, startTime, endTime: new Date(Date.parse(startTime) + 60_000).toISOString() }));
    };
    taken.forEach((name, index) => {
      const startTime = new Date(Date.now() - (5 - index) * 3600_000).toISOString();
      rewrite(join(root, 'backups', `${name}.json`), startTime);
      for (const node of system.nodes) rewrite(join(root, 'index', name, 'dc1', `${node.hostId}.json`), startTime);
    });
    rmSync(join(root, 'backups', `${taken[3]}.json`));
    const listing = (await system.get(`/backups?storageLocation=${encodeURIComponent(at)}`)).body as Array<{
      name: string;
      complete: boolean;
    }>;
    expect(listing.find((b) => b.name === taken[3])?.complete).toBe(false);

    const retentionKeys = async () => (await filesUnder(join(storeRoot, 'retention'))).sort();
    const before = await retentionKeys();
    const policy = { keepLast: 2, incompleteGrace: 'PT1H' };
    const dry = await remove({ retention: policy, dry: true }, at);
    expect(dry.errors).toEqual([]);
    expect(dry.state).toBe('COMPLETED');
    expect(await retentionKeys()).toEqual(before);

    const real = await remove({ retention: policy }, at);
    expect(real.errors).toEqual([]);
    expect(real.state).toBe('COMPLETED');
    const removed = tombstoneOf(real)
      .removed.map((b) => b.name)
      .sort();
    expect(removed).toEqual([taken[0], taken[1], taken[3]].sort());
    expect({ ...tombstoneOf(dry), dry: false }).toEqual(tombstoneOf(real));
    expect(sweepsOf(dry).map((s) => ({ ...s, dry: false }))).toEqual(sweepsOf(real));
    const swept = sweepsOf(real).flatMap((s) => s.swept.keys.map((k) => k.key));
    expect(swept.length).toBeGreaterThan(0);
    expect(swept.filter((k) => !k.includes('/data/shop/extra1-'))).toEqual([]);
    expect(await listedNames(at)).toEqual([taken[2], taken[4]].sort());

    // nothing the two kept backups reference was deleted
    const keys = new Set((await retentionKeys()).map((p) => p.slice(join(storeRoot, 'retention').length + 1)));
    for (const name of [taken[2], taken[4]])
      for (const node of system.nodes) {
        const manifest = await readJson<ManifestDoc>(join(root, 'dc1', node.hostId, 'manifests', `${name}.json`));
        expect(manifest.tables.flatMap((t) => t.files.map((f) => f.key)).filter((k) => !keys.has(k))).toEqual([]);
      }
  });

  it('removes the oldest backup from an S3 store (s3rver): its own objects go, shared ones stay', async () => {
    const bucket = 's3://remove-backup';
    await backup('s1', `${SHARED},shop.extra1`, { storageLocation: bucket });
    await backup('s2', SHARED, { storageLocation: bucket });
    const backend: StorageBackend = openProvider(bucket, { env: { ...process.env, ...s3.env } });
    try {
      const read = async (key: string) => {
        const chunks: Buffer[] = [];
        for await (const chunk of (await backend.get(key)) as Readable) chunks.push(chunk as Buffer);
        return JSON.parse(Buffer.concat(chunks).toString('utf8')) as ManifestDoc;
      };
      const listAll = async () => {
        const keys: string[] = [];
        for await (const entry of backend.list(`${CLUSTER}/`)) if (!entry.isPrefix) keys.push(entry.key);
        return keys.sort();
      };
      const manifestKeys = async (name: string) =>
        (await Promise.all(system.nodes.map((n) => read(`${CLUSTER}/dc1/${n.hostId}/manifests/${name}.json`)))).flatMap((m) =>
          m.tables.flatMap((t) => t.files.map((f) => f.key)),
        );
      const s2Keys = new Set(await manifestKeys(names.s2));
      const onlyS1 = (await manifestKeys(names.s1)).filter((k) => !s2Keys.has(k));
      expect(onlyS1.length).toBeGreaterThan(0);

      const before = await listAll();
      const dry = await remove({ removeOldest: true, dry: true }, bucket);
      expect(await listAll()).toEqual(before);
      const real = await remove({ removeOldest: true }, bucket);
      expect(real.state).toBe('COMPLETED');
      expect(tombstoneOf(real).removed.map((b) => b.name)).toEqual([names.s1]);
      expect(sweepsOf(dry).map((s) => ({ ...s, dry: false }))).toEqual(sweepsOf(real));
      const after = new Set(await listAll());
      expect(onlyS1.filter((k) => after.has(k))).toEqual([]);
      expect([...s2Keys].filter((k) => !after.has(k))).toEqual([]);
      expect(await listedNames(bucket)).toEqual([names.s2]);
    } finally {
      await backend.close();
    }
  });
});
