/**
 * Backup compression end to end: 2 simulated nodes, one table Cassandra compresses (the default: CompressionInfo.db
 * beside Data.db) and one created with compression disabled (CRC.db), a file store. A backup with
 * `compression: "zstd"` stores the components that pay as `<key>.zst` (never a bloom filter, checksum or small file),
 * records each file's form in the manifest, restores the backed-up content, stages files hash-equal to the
 * manifest, dedups a second backup, and verify full passes — and fails naming a damaged compressed object.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { filesUnder, ManifestDoc, readJson, runBackup, runOperation, sha256File } from './backup-support';

jest.setTimeout(240_000);

const CLUSTER = 'daedalus-test';
const TABLES = ['orders', 'events'];

interface CompressedFile {
  key: string;
  name: string;
  size: number;
  sha256: string;
  compressed?: { format: string; size: number; sha256: string };
}

interface CompressedManifest extends Omit<ManifestDoc, 'tables' | 'totals'> {
  compression?: { format: string; level: number };
  tables: Array<{ keyspace: string; table: string; files: CompressedFile[] }>;
  totals: ManifestDoc['totals'] & { uploadedStoredBytes?: number };
}

describe('backup compression (zstd, file store)', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  let backupName: string;
  const atBackup: Record<string, string[]> = {};

  const bucket = () => join(storeRoot, 'bucket');
  const manifestPath = (hostId: string, name: string) => join(bucket(), CLUSTER, 'dc1', hostId, 'manifests', `${name}.json`);
  const manifestOf = (hostId: string, name: string) => readJson<CompressedManifest>(manifestPath(hostId, name));
  const filesOf = (manifest: CompressedManifest) => manifest.tables.flatMap((t) => t.files.map((f) => ({ ...f, table: t.table })));
  const checksums = async (table: string) =>
    Promise.all(system.nodes.map(async (node) => String(await system.simOf(node).checksum('shop', table))));
  const verify = (mode: 'quick' | 'full') =>
    runOperation(system, { type: 'verify', storageLocation: location, globalRequest: true, backupName, mode }, 120_000);

  async function flush(): Promise<void> {
    const flushed = await system.post('/operations', { type: 'flush', keyspace: 'shop', globalRequest: true });
    await system.waitForOperation((flushed.body as OperationView).id);
  }

  beforeAll(async () => {
    storeRoot = makeTempDir('compression-store');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({ nodes: 2, coordinators: 1 });
    const first = system.nodes[0];
    await first.sim.createKeyspace('shop', { class: 'NetworkTopologyStrategy', dc1: '3' });
    await first.sim.createTable('shop', 'orders');
    await first.sim.createTable(
      'shop',
      'events',
      "CREATE TABLE shop.events (key text PRIMARY KEY, value blob) WITH compression = {'enabled': 'false'}",
    );
    await system.waitForSchema('shop', TABLES);
    for (const node of system.nodes) for (const table of TABLES) await node.sim.writeRows('shop', table, 3000, node.index + 1);
    await flush();
    for (const table of TABLES) atBackup[table] = await checksums(table);
    const backup = await runBackup(system, {
      storageLocation: location,
      snapshotTag: 'zstd',
      createMissingBucket: true,
      compression: 'zstd',
    });
    expect(backup.operation.errors).toEqual([]);
    expect(backup.operation.state).toBe('COMPLETED');
    backupName = backup.backupName;
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  it('refuses an unknown format or a level out of range with a 400 naming the field', async () => {
    for (const [body, field] of [
      [{ compression: 'gzip' }, 'compression'],
      [{ compression: 'zstd', compressionLevel: 12 }, 'compressionLevel'],
      [{ compressionLevel: 3 }, 'compressionLevel'],
    ] as const) {
      const response = await system.post('/operations', { type: 'backup', storageLocation: location, globalRequest: true, ...body });
      expect(response.status).toBe(400);
      expect((response.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual([field]);
    }
  });

  it('stores what pays as <key>.zst (never a bloom filter, checksum or small file), recorded per file in the manifest', async () => {
    for (const node of system.nodes) {
      const manifest = await manifestOf(node.hostId, backupName);
      expect(manifest.compression).toEqual({ format: 'zstd', level: 3 });
      const files = filesOf(manifest);
      const compressed = files.filter((f) => f.compressed);
      expect(compressed.length).toBeGreaterThan(0);
      for (const file of files) {
        const stored = readFileSync(join(bucket(), file.key));
        expect(file.key.endsWith('.zst')).toBe(file.compressed !== undefined);
        if (file.compressed) {
          expect({ key: file.key, format: file.compressed.format, size: stored.length }).toEqual({
            key: file.key,
            format: 'zstd',
            size: file.compressed.size,
          });
          expect(stored.readUInt32LE(0)).toBe(0xfd2fb528); // a zstd frame
          expect(file.compressed.size).toBeLessThanOrEqual(file.size * 0.9);
        } else {
          expect(stored.length).toBe(file.size);
        }
      }
      // the uncompressed table's Data.db pays; the other's names LZ4Compressor, which the probe measures (the simulator's
      // Data.db holds plain rows either way, so it pays too: the rule for zstd/deflate-compressed ones is unit-tested)
      expect(files.some((f) => f.table === 'events' && f.name.endsWith('Data.db') && f.compressed)).toBe(true);
      expect(files.filter((f) => /Filter\.db|CRC\.db|Digest\.crc32|TOC\.txt/.test(f.name)).every((f) => !f.compressed)).toBe(true);
      const storedBytes = files.reduce((sum, f) => sum + (f.compressed?.size ?? f.size), 0);
      expect(manifest.totals.uploadedStoredBytes).toBe(storedBytes);
      expect(storedBytes).toBeLessThan(manifest.totals.bytes);
    }
  });

  it('a second backup of unchanged tables uploads nothing and names the same compressed objects', async () => {
    const again = await runBackup(system, { storageLocation: location, snapshotTag: 'zstd-again', compression: 'zstd' });
    expect(again.operation.state).toBe('COMPLETED');
    for (const node of system.nodes) {
      const first = await manifestOf(node.hostId, backupName);
      const second = await manifestOf(node.hostId, again.backupName);
      expect(second.totals).toMatchObject({ uploadedFiles: 0, uploadedBytes: 0, uploadedStoredBytes: 0 });
      const keys = (m: CompressedManifest) =>
        filesOf(m)
          .map((f) => `${f.key} ${f.sha256} ${f.compressed?.sha256 ?? '-'}`)
          .sort();
      expect(keys(second)).toEqual(keys(first));
    }
  });

  it('DOWNLOAD stages every file hash-equal to the manifest (decompressed and checked)', async () => {
    const done = await runOperation(system, {
      type: 'restore',
      storageLocation: location,
      snapshotTag: backupName,
      globalRequest: true,
      singlePhase: true,
      restorationPhase: 'DOWNLOAD',
      entities: 'shop.orders,shop.events',
    });
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    for (const node of system.nodes) {
      const staged = (await filesUnder(node.home)).filter((p) => p.includes(`/daedalus-restore/${done.id}/`));
      const files = filesOf(await manifestOf(node.hostId, backupName));
      expect(staged.length).toBe(files.length);
      const byName = new Map(files.map((f) => [`${f.table}/${f.name}`, f.sha256]));
      for (const path of staged) {
        const [table, name] = path.split('/').slice(-2);
        expect({ path, sha256: await sha256File(path) }).toEqual({ path, sha256: byName.get(`${table}/${name}`) });
      }
      expect(staged.some((p) => p.endsWith('.zst'))).toBe(false);
    }
  });

  it('restores the backed-up content', async () => {
    for (const node of system.nodes) await system.simOf(node).writeRows('shop', 'events', 50, 700 + node.index);
    await flush();
    expect(await checksums('events')).not.toEqual(atBackup.events);
    const done = await runOperation(system, {
      type: 'restore',
      storageLocation: location,
      snapshotTag: backupName,
      globalRequest: true,
      entities: 'shop.orders,shop.events',
    });
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    for (const table of TABLES) expect(await checksums(table)).toEqual(atBackup[table]);
  });

  it('verify full passes, then finds a damaged compressed object that quick cannot see', async () => {
    const passed = await verify('full');
    expect(passed.errors).toEqual([]);
    expect(passed.state).toBe('COMPLETED');

    const node = system.nodes[0];
    const victim = filesOf(await manifestOf(node.hostId, backupName)).find((f) => f.compressed && f.compressed.size > 64);
    if (!victim) throw new Error('no compressed object in the backup');
    const path = join(bucket(), victim.key);
    const original = readFileSync(path);
    const damaged = Buffer.from(original);
    damaged[Math.floor(damaged.length / 2)] ^= 0x01;
    writeFileSync(path, damaged);
    try {
      expect((await verify('quick')).state).toBe('COMPLETED'); // same size: only reading it back tells
      const full = await verify('full');
      expect(full.state).toBe('FAILED');
      const message = full.errors.map((e) => e.message).join('\n');
      expect(message).toContain(victim.key);
      expect(message).toContain('0 missing and 1 corrupt');
    } finally {
      writeFileSync(path, original);
    }
  });
});
