/**
 * Client-side encryption on a running 2-node simulated cluster with a file store that also holds a backup taken
 * in the clear: agents started with `--encryption-key-file` back up objects that hold none of the SSTables'
 * bytes, dedup a second backup, restore the backed-up content (the simulator's checksum) and the plaintext
 * backup too, and refuse a restore with another key or none in INIT and a tampered object in DOWNLOAD — all
 * before TRUNCATE, so the tables keep their content.
 */
import { createHash } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EncryptionKey } from '../../apps/node-agent/src/repository/encryption';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { filesUnder, ManifestDoc, readJson, runBackup, runOperation } from './backup-support';

jest.setTimeout(240_000);

const CLUSTER = 'daedalus-test';
const TABLES = ['orders', 'customers'];

interface EncryptedManifest extends ManifestDoc {
  encryption?: { scheme: string; keyId: string; chunkBytes: number };
  tables: Array<
    ManifestDoc['tables'][number] & {
      files: Array<ManifestDoc['tables'][number]['files'][number] & { stored?: { size: number; sha256: string } }>;
    }
  >;
}

describe('client-side encryption (agents with a key, file store)', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let keyDir: string;
  let location: string;
  let backupName: string;
  let clearBackupName: string;
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const idA = EncryptionKey.fromBytes(keyA).id;
  const idB = EncryptionKey.fromBytes(keyB).id;
  const atBackup: Record<string, string[]> = {};
  const atClearBackup: Record<string, string[]> = {};
  const keyFiles: Record<string, string> = {};

  const bucket = () => join(storeRoot, 'bucket');
  const manifestOf = (hostId: string, name: string) =>
    readJson<EncryptedManifest>(join(bucket(), CLUSTER, 'dc1', hostId, 'manifests', `${name}.json`));
  const checksums = async (table: string) =>
    Promise.all(system.nodes.map(async (node) => String(await system.simOf(node).checksum('shop', table))));
  const truncations = async (table: string) => Promise.all(system.nodes.map((node) => system.simOf(node).truncationCount('shop', table)));
  /** live Data.db files of the nodes (not their snapshots) */
  const liveDataFiles = async () =>
    (await Promise.all(system.nodes.map((node) => filesUnder(join(node.home, 'data', 'data', 'shop')))))
      .flat()
      .filter((p) => p.endsWith('-Data.db') && !p.includes('/snapshots/'));

  async function flush(): Promise<void> {
    const flushed = await system.post('/operations', { type: 'flush', keyspace: 'shop', globalRequest: true });
    await system.waitForOperation((flushed.body as OperationView).id);
  }

  async function restore(name = backupName): Promise<OperationView> {
    const entities = 'shop.orders,shop.customers';
    return runOperation(system, { type: 'restore', storageLocation: location, snapshotTag: name, globalRequest: true, entities });
  }

  /** Starts every agent again with the key named (A or B) or none: an agent reads its key at start. */
  async function useKey(name: 'A' | 'B' | 'none'): Promise<void> {
    for (const node of system.nodes) {
      await system.stopAgent(node);
      await system.startAgent(node, name === 'none' ? [] : ['--encryption-key-file', keyFiles[name]]);
    }
    await system.waitForRegistrations(system.nodes.length);
  }

  beforeAll(async () => {
    storeRoot = makeTempDir('cse-store');
    keyDir = makeTempDir('cse-key');
    for (const [name, key] of [
      ['A', keyA],
      ['B', keyB],
    ] as const) {
      keyFiles[name] = join(keyDir, `${name}.key`);
      writeFileSync(keyFiles[name], `${key.toString('hex')}\n`, { mode: 0o600 });
    }
    location = `file://${storeRoot}/bucket`;
    // first a backup in the clear, by agents without a key, into the same bucket
    system = await DaedalusSystem.start({ nodes: 2, coordinators: 1 });
    await system.createTables('shop', TABLES, 200);
    await flush();
    for (const table of TABLES) atClearBackup[table] = await checksums(table);
    const clear = await runBackup(system, { storageLocation: location, snapshotTag: 'clear', createMissingBucket: true });
    expect(clear.operation.state).toBe('COMPLETED');
    clearBackupName = clear.backupName;

    await useKey('A');
    for (const node of system.nodes) await system.simOf(node).writeRows('shop', 'customers', 40, 500 + node.index);
    await flush();
    for (const table of TABLES) atBackup[table] = await checksums(table);
    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'sealed', createMissingBucket: true });
    expect(backup.operation.errors).toEqual([]);
    expect(backup.operation.state).toBe('COMPLETED');
    backupName = backup.backupName;
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
    if (keyDir) removeDir(keyDir);
  }, 60_000);

  it('stores only sealed objects under the key fingerprint: no SSTable bytes, no key, anywhere in the store or the logs', async () => {
    for (const node of system.nodes) {
      const manifest = await manifestOf(node.hostId, backupName);
      expect(manifest.encryption).toEqual({ scheme: 'daedalus-aes-256-gcm-chunked/1', keyId: idA, chunkBytes: 65536 });
      const files = manifest.tables.flatMap((t) => t.files);
      expect(files.length).toBeGreaterThan(0);
      // nothing of the backup in the clear was reused: its objects are readable by anyone
      expect(manifest.totals.uploadedFiles).toBe(files.length);
      for (const file of files) {
        expect(file.key.startsWith(`${CLUSTER}/dc1/${node.hostId}/encrypted/${idA}/data/shop/`)).toBe(true);
        const stored = readFileSync(join(bucket(), file.key));
        expect({ key: file.key, magic: stored.subarray(0, 4).toString('latin1'), size: stored.length }).toEqual({
          key: file.key,
          magic: 'DAEC',
          size: file.stored?.size,
        });
      }
    }
    // 48-byte windows of every live Data.db (what the backup read): none of them in any stored object
    const windows: Buffer[] = [];
    for (const path of await liveDataFiles()) {
      const data = readFileSync(path);
      if (data.length < 96) continue;
      for (const at of [0, Math.floor(data.length / 2), data.length - 48]) windows.push(data.subarray(at, at + 48));
    }
    expect(windows.length).toBeGreaterThan(4);
    const stored = await Promise.all((await filesUnder(bucket())).map(async (p) => ({ p, data: readFileSync(p) })));
    // the sealed objects hold no SSTable bytes; the plaintext backup's objects do (so the check can find them)
    const leaks = stored.filter(({ p, data }) => p.includes('/encrypted/') && windows.some((w) => data.includes(w))).map(({ p }) => p);
    expect(leaks).toEqual([]);
    expect(
      stored.filter(({ p, data }) => p.includes('/data/shop/') && !p.includes('/encrypted/') && windows.some((w) => data.includes(w)))
        .length,
    ).toBeGreaterThan(0);
    const secrets = [keyA, Buffer.from(keyA.toString('hex')), Buffer.from(keyA.toString('base64'))];
    const logs = await Promise.all((await filesUnder(join(system.baseDir, 'logs'))).map(async (p) => ({ p, data: readFileSync(p) })));
    expect([...stored, ...logs].filter(({ data }) => secrets.some((s) => data.includes(s))).map(({ p }) => p)).toEqual([]);
  });

  it('uploads nothing for a second backup of unchanged tables', async () => {
    const again = await runBackup(system, { storageLocation: location, snapshotTag: 'sealed-again' });
    expect(again.operation.state).toBe('COMPLETED');
    for (const node of system.nodes) {
      const manifest = await manifestOf(node.hostId, again.backupName);
      expect(manifest.totals.files).toBeGreaterThan(0);
      expect(manifest.totals).toMatchObject({ uploadedFiles: 0, uploadedBytes: 0 });
    }
  });

  it('restores the backed-up content with the key', async () => {
    for (const node of system.nodes) await system.simOf(node).writeRows('shop', 'orders', 50, 700 + node.index);
    await flush();
    expect(await checksums('orders')).not.toEqual(atBackup.orders);
    const done = await restore();
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    for (const table of TABLES) expect(await checksums(table)).toEqual(atBackup[table]);
  });

  it.each([
    ['another key', 'B', `encrypted with key ${idA}, not with this agent's key ${idB}: key fingerprint mismatch`],
    ['no key', 'none', `encrypted with key ${idA}, and this agent has no encryption key`],
  ] as const)('fails a restore by agents with %s in INIT, naming the fingerprints, and truncates nothing', async (_what, key, message) => {
    for (const node of system.nodes) await system.simOf(node).writeRows('shop', 'orders', 30, 900 + node.index);
    await flush();
    const before = { orders: await checksums('orders'), customers: await checksums('customers') };
    const truncated = [await truncations('orders'), await truncations('customers')];
    await useKey(key);
    try {
      const done = await restore();
      expect(done.state).toBe('FAILED');
      expect(done.errors.length).toBe(system.nodes.length);
      for (const error of done.errors) {
        expect(error.message).toMatch(/phase INIT/);
        expect(error.message).toContain(message);
      }
      expect({ orders: await checksums('orders'), customers: await checksums('customers') }).toEqual(before);
      expect([await truncations('orders'), await truncations('customers')]).toEqual(truncated);
    } finally {
      await useKey('A');
    }
  });

  it('restores the backup taken in the clear with agents that have a key', async () => {
    const done = await restore(clearBackupName);
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    for (const table of TABLES) expect(await checksums(table)).toEqual(atClearBackup[table]);
  });

  it('fails a restore in DOWNLOAD when a stored object was changed, and truncates nothing', async () => {
    const node = system.nodes[0];
    const manifest = await manifestOf(node.hostId, backupName);
    const victim = manifest.tables.flatMap((t) => t.files).find((f) => f.name.endsWith('Data.db') && f.size > 0);
    if (!victim) throw new Error('no Data.db in the backup');
    const path = join(bucket(), victim.key);
    const manifestPath = join(bucket(), CLUSTER, 'dc1', node.hostId, 'manifests', `${backupName}.json`);
    const [original, originalManifest] = [readFileSync(path), readFileSync(manifestPath)];
    const tampered = Buffer.from(original);
    tampered[60] ^= 0x01; // inside the first chunk, past the 50-byte header
    writeFileSync(path, tampered);
    // the manifest made to expect the changed bytes, so the store's hash check passes and only the framing can tell
    const edited = manifest.tables.flatMap((t) => t.files).find((f) => f.key === victim.key);
    if (edited?.stored) edited.stored.sha256 = createHash('sha256').update(tampered).digest('hex');
    writeFileSync(manifestPath, JSON.stringify(manifest));
    try {
      const before = { orders: await checksums('orders'), customers: await checksums('customers') };
      const truncated = [await truncations('orders'), await truncations('customers')];
      const done = await restore();
      expect(done.state).toBe('FAILED');
      expect(done.errors.map((e) => e.source)).toEqual([`${node.hostId} (${node.address})`]);
      expect(done.errors[0].message).toMatch(/phase DOWNLOAD/);
      expect(done.errors[0].message).toContain(`encrypted object ${victim.key} cannot be read: chunk 0 fails authentication`);
      expect({ orders: await checksums('orders'), customers: await checksums('customers') }).toEqual(before);
      expect([await truncations('orders'), await truncations('customers')]).toEqual(truncated);
    } finally {
      writeFileSync(path, original);
      writeFileSync(manifestPath, originalManifest);
    }
  });
});
