/**
 * Paths and roots on a real system (one simulated node, file store): a manifest crafted to write outside the
 * staging directory fails the restore in INIT — before TRUNCATE, with nothing written anywhere and the table's
 * content unchanged — and every directory a request names is refused outside the agent's roots: a 400 naming
 * the field at the gateway, a FAILED operation naming it when submitted straight to NATS, and a symbolic link
 * inside a root that leads out of it is caught by the agent.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { MessageIds, Subjects } from '@daedalus/contracts';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { filesUnder, ManifestDoc, runBackup, runOperation } from './backup-support';

const CLUSTER = 'daedalus-test';

describe('paths and roots', () => {
  let system: DaedalusSystem;
  let nc: NatsConnection;
  let storeRoot: string;
  let importRoot: string;
  let outside: string;
  let location: string;
  let backupName: string;
  let atBackup: string;
  const node = () => system.nodes[0];
  const checksum = async () => String(await system.simOf(node()).checksum('shop', 'orders'));
  const manifestPath = () => join(storeRoot, 'bucket', CLUSTER, 'dc1', node().hostId, 'manifests', `${backupName}.json`);
  const truncateSnapshots = async () =>
    (await filesUnder(join(node().home, 'data', 'data', 'shop'))).filter((p) => /\/snapshots\/truncated-\d+-orders\//.test(p)).length;
  const fields = (body: unknown) => ((body as { errors?: Array<{ field: string }> }).errors ?? []).map((e) => e.field);

  beforeAll(async () => {
    storeRoot = makeTempDir('paths-store');
    importRoot = makeTempDir('paths-import');
    outside = makeTempDir('paths-outside');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({
      nodes: 1,
      coordinators: 1,
      agentArgs: ['--file-store-roots', storeRoot, '--import-roots', importRoot],
    });
    await system.createTables('shop', ['orders'], 120);
    const flush = await system.post('/operations', { type: 'flush', keyspace: 'shop', globalRequest: true });
    await system.waitForOperation((flush.body as OperationView).id);
    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'base', createMissingBucket: true });
    expect(backup.operation.state).toBe('COMPLETED');
    backupName = backup.backupName;
    atBackup = await checksum();
    nc = await system.connectNats();
  }, 240_000);

  afterAll(async () => {
    await nc?.close();
    await system?.stop();
    for (const dir of [storeRoot, importRoot, outside]) if (dir) removeDir(dir);
  }, 60_000);

  async function restore(body: Record<string, unknown> = {}): Promise<OperationView> {
    return runOperation(system, { type: 'restore', storageLocation: location, snapshotTag: backupName, globalRequest: true, ...body });
  }

  it('fails a restore from a manifest naming "../" in INIT: no truncate, nothing written outside staging, content unchanged', async () => {
    await system.simOf(node()).writeRows('shop', 'orders', 40, 77);
    const flush = await system.post('/operations', { type: 'flush', keyspace: 'shop', globalRequest: true });
    await system.waitForOperation((flush.body as OperationView).id);
    const before = await checksum();
    expect(before).not.toEqual(atBackup);
    const truncatesBefore = await truncateSnapshots();
    const original = readFileSync(manifestPath(), 'utf8');
    const manifest = JSON.parse(original) as ManifestDoc;
    const orders = manifest.tables.find((t) => t.table === 'orders');
    const victim = orders?.files.find((f) => f.name.endsWith('-Data.db'));
    if (!victim) throw new Error('no orders Data.db in the backup');
    // from <home>/data/daedalus-restore/<op>/shop/orders: enough ".." to reach "/", then the directory outside
    const crafted = `${'../'.repeat(20)}${outside.slice(1)}/nb-1-big-Data.db`;
    victim.name = crafted;
    writeFileSync(manifestPath(), JSON.stringify(manifest));
    try {
      const done = await restore();
      expect(done.state).toBe('FAILED');
      expect(done.errors).toHaveLength(1);
      expect(done.errors[0].message).toMatch(/phase INIT/);
      expect(done.errors[0].message).toContain(`file name in shop.orders ${JSON.stringify(crafted)}: it has a "." or ".." segment`);
      expect(Object.keys((done.response as object | undefined) ?? {})).not.toContain('TRUNCATE');
      expect(await filesUnder(outside)).toEqual([]);
      expect(existsSync(join(node().home, 'data', 'daedalus-restore', done.id))).toBe(false);
      expect(await checksum()).toEqual(before);
      expect(await truncateSnapshots()).toBe(truncatesBefore);
    } finally {
      writeFileSync(manifestPath(), original);
    }
    // the untouched manifest, as the backup wrote it, passes every name check and restores
    const done = await restore();
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    expect(await checksum()).toEqual(atBackup);
  });

  it('refuses a file:// location outside the store roots with 400 naming storageLocation (operations and listing)', async () => {
    for (const storageLocation of [`file://${outside}/bucket`, `file://${storeRoot}2/bucket`, 'file:///etc/bucket']) {
      const backup = await system.post('/operations', {
        type: 'backup',
        storageLocation,
        snapshotTag: 'x',
        globalRequest: true,
        createMissingBucket: true,
      });
      expect({ status: backup.status, fields: fields(backup.body) }).toEqual({ status: 400, fields: ['storageLocation'] });
    }
    expect(existsSync(join(outside, 'bucket'))).toBe(false);
    const listed = await system.get(`/backups?storageLocation=${encodeURIComponent(`file://${outside}/bucket`)}`);
    expect({ status: listed.status, fields: fields(listed.body) }).toEqual({ status: 400, fields: ['storageLocation'] });
    expect(JSON.stringify(listed.body)).toContain('--file-store-roots');
  });

  it('refuses import and restore directories outside their roots with 400 naming the field', async () => {
    const imported = await system.post('/operations', { type: 'import', keyspace: 'shop', table: 'orders', sourceDir: outside });
    expect({ status: imported.status, fields: fields(imported.body) }).toEqual({ status: 400, fields: ['sourceDir'] });
    expect(JSON.stringify(imported.body)).toContain('--import-roots');
    const prefixTrick = await system.post('/operations', {
      type: 'import',
      keyspace: 'shop',
      table: 'orders',
      sourceDir: `${importRoot}2`,
    });
    expect({ status: prefixTrick.status, fields: fields(prefixTrick.body) }).toEqual({ status: 400, fields: ['sourceDir'] });
    const staged = await system.post('/operations', {
      type: 'restore',
      storageLocation: location,
      snapshotTag: backupName,
      globalRequest: true,
      import: { sourceDir: outside },
      cassandraConfigDirectory: '/etc',
    });
    expect({ status: staged.status, fields: fields(staged.body) }).toEqual({
      status: 400,
      fields: ['import.sourceDir', 'cassandraConfigDirectory'],
    });
  });

  async function submitDirectly(request: Record<string, unknown>): Promise<OperationView> {
    const id = randomUUID();
    const message = { schemaVersion: '1.0', operationId: id, request: { ...request, id } };
    await jetstream(nc).publish(Subjects.submit, JSON.stringify(message), { msgID: MessageIds.submit(id) });
    return system.waitForOperation(id, undefined, 60_000);
  }

  it('fails the same requests submitted straight to NATS, naming the field, and touches nothing', async () => {
    const before = await checksum();
    const imported = await submitDirectly({ type: 'import', keyspace: 'shop', table: 'orders', sourceDir: outside, hostId: node().hostId });
    expect(imported.state).toBe('FAILED');
    expect(imported.errors[0].message).toContain(`sourceDir: ${outside} is outside the directories the agent allows for it`);
    const backup = await submitDirectly({
      type: 'backup',
      storageLocation: `file://${outside}/bucket`,
      snapshotTag: 'direct',
      globalRequest: true,
      createMissingBucket: true,
    });
    expect(backup.state).toBe('FAILED');
    expect(backup.errors.map((e) => e.message).join('\n')).toContain(`storageLocation: ${outside}/bucket is outside`);
    const restored = await submitDirectly({
      type: 'restore',
      storageLocation: location,
      snapshotTag: backupName,
      globalRequest: true,
      import: { sourceDir: outside },
    });
    expect(restored.state).toBe('FAILED');
    expect(restored.errors.map((e) => e.message).join('\n')).toContain(`import.sourceDir: ${outside} is outside`);
    expect(Object.keys((restored.response as object | undefined) ?? {})).not.toContain('TRUNCATE');
    expect(await filesUnder(outside)).toEqual([]);
    expect(await checksum()).toEqual(before);
  });

  it('catches a symbolic link inside a root that leads outside it (the gateway cannot see it; the agent can)', async () => {
    mkdirSync(join(outside, 'victim'), { recursive: true });
    writeFileSync(join(outside, 'victim', 'nb-1-big-Data.db'), 'not an sstable');
    const link = join(importRoot, 'escape');
    symlinkSync(join(outside, 'victim'), link);
    const response = await system.post('/operations', { type: 'import', keyspace: 'shop', table: 'orders', sourceDir: link });
    expect(response.status).toBe(201);
    const done = await system.waitForOperation((response.body as OperationView).id);
    expect(done.state).toBe('FAILED');
    expect(done.errors[0].message).toContain(`sourceDir: ${link} is outside`);
    expect(done.errors[0].message).toContain(`it resolves to ${join(outside, 'victim')} through a symbolic link`);
    expect(await filesUnder(outside)).toEqual([join(outside, 'victim', 'nb-1-big-Data.db')]);
  });
});
