/**
 * Cluster-wide backup end to end on the local-file store: 3 simulated nodes, real JMX snapshots, agents
 * uploading, coordinators committing. Object contents are checked against the files on the nodes.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem } from '../support/system';
import { bytesRead, filesUnder, ManifestDoc, readJson, runBackup, sha256File } from './backup-support';

const CLUSTER = 'daedalus-test';

describe('cluster-wide backup to the file store', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  const bucketDir = () => join(storeRoot, 'bucket');
  const manifestPath = (hostId: string, backupName: string) => join(bucketDir(), CLUSTER, 'dc1', hostId, 'manifests', `${backupName}.json`);
  const objectPath = (key: string) => join(bucketDir(), key);

  beforeAll(async () => {
    storeRoot = makeTempDir('store');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({ nodes: 3, coordinators: 2, nodeTimeoutMs: 8_000 });
    await system.createTables('shop', ['orders', 'customers'], 200);
    // bulk data so that reading Data.db files again would show in the agent's I/O counters
    for (const node of system.nodes) {
      await system.simOf(node).generateSSTables('shop', 'orders', 3, 4 * 1024 * 1024);
    }
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  async function snapshotFiles(nodeIndex: number, tag: string): Promise<Map<string, string>> {
    const node = system.nodes[nodeIndex];
    const files = new Map<string, string>();
    for (const path of await filesUnder(join(node.home, 'data', 'data', 'shop'))) {
      const match = new RegExp(`/snapshots/${tag}/(.+)$`).exec(path);
      if (!match || match[1] === 'manifest.json' || match[1] === 'schema.cql') continue;
      const table = /\/shop\/([^/]+)-[0-9a-f]{32}\//.exec(path)?.[1];
      files.set(`${table}/${match[1]}`, await sha256File(path));
    }
    return files;
  }

  let first = '';

  it('backs up every node: each object equals its source file, the manifest equals the snapshot', async () => {
    const { operation, backupName } = await runBackup(system, {
      storageLocation: location,
      snapshotTag: 'nightly',
      createMissingBucket: true,
      keepSnapshot: true,
    });
    expect(operation.errors).toEqual([]);
    expect(operation.state).toBe('COMPLETED');
    expect(backupName).toMatch(/^nightly-\d+$/);
    first = backupName;

    for (const [index, node] of system.nodes.entries()) {
      const manifest = await readJson<ManifestDoc>(manifestPath(node.hostId, backupName));
      expect(manifest.hostId).toBe(node.hostId);
      expect(manifest.tables.map((t) => t.table).sort()).toEqual(['customers', 'orders']);
      expect(manifest.tables.every((t) => /CREATE TABLE/i.test(t.schemaCql ?? ''))).toBe(true);
      const inManifest = new Map(manifest.tables.flatMap((t) => t.files.map((f) => [`${t.table}/${f.name}`, f] as const)));
      const onDisk = await snapshotFiles(index, backupName);
      expect([...inManifest.keys()].sort()).toEqual([...onDisk.keys()].sort());
      for (const [name, file] of inManifest) {
        expect({ name, sha256: file.sha256 }).toEqual({ name, sha256: onDisk.get(name) });
        expect({ name, stored: await sha256File(objectPath(file.key)) }).toEqual({ name, stored: file.sha256 });
      }
      expect(manifest.totals.uploadedBytes).toBe(manifest.totals.bytes);
    }
    expect(existsSync(join(bucketDir(), CLUSTER, 'backups', `${backupName}.json`))).toBe(true);
    expect(existsSync(join(bucketDir(), CLUSTER, 'topology', `${backupName}.json`))).toBe(true);
  });

  it('uploads nothing and reads no Data.db when nothing changed', async () => {
    const agentPids = system.agents.map((a) => a.pid);
    const before = agentPids.map(bytesRead);
    const { operation, backupName } = await runBackup(system, { storageLocation: location, snapshotTag: 'nightly' });
    expect(operation.state).toBe('COMPLETED');
    const after = agentPids.map(bytesRead);
    for (const [index, node] of system.nodes.entries()) {
      const manifest = await readJson<ManifestDoc>(manifestPath(node.hostId, backupName));
      expect(manifest.totals.uploadedBytes).toBe(0);
      expect(manifest.totals.uploadedFiles).toBe(0);
      expect(manifest.totals.bytes).toBeGreaterThan(12 * 1024 * 1024);
      // the agent read far less than one Data.db: only Digest components, manifests and messages
      expect(after[index] - before[index]).toBeLessThan(1024 * 1024);
    }
  });

  it('uploads only the new SSTables after more writes, and the compacted one after a compaction', async () => {
    for (const node of system.nodes) {
      await system.simOf(node).writeRows('shop', 'customers', 500, 99);
    }
    const more = await runBackup(system, { storageLocation: location, snapshotTag: 'more' });
    expect(more.operation.state).toBe('COMPLETED');
    for (const node of system.nodes) {
      const earlier = new Set(
        (await readJson<ManifestDoc>(manifestPath(node.hostId, first))).tables.flatMap((t) => t.files.map((f) => f.key)),
      );
      const manifest = await readJson<ManifestDoc>(manifestPath(node.hostId, more.backupName));
      const files = manifest.tables.flatMap((t) => t.files.map((f) => ({ ...f, table: t.table })));
      const fresh = files.filter((f) => !earlier.has(f.key));
      // exactly the SSTable the backup's flush wrote from the new customers rows is new; orders is untouched
      expect(new Set(fresh.map((f) => f.table))).toEqual(new Set(['customers']));
      expect(new Set(fresh.map((f) => f.key.split('/').slice(-2, -1)[0])).size).toBe(1);
      expect(manifest.totals.uploadedFiles).toBe(fresh.length);
      expect(manifest.totals.uploadedBytes).toBe(fresh.reduce((sum, f) => sum + f.size, 0));
      expect(files.filter((f) => f.table === 'orders').every((f) => earlier.has(f.key))).toBe(true);
    }

    for (const node of system.nodes) await system.simOf(node).compact('shop', 'orders');
    const compacted = await runBackup(system, { storageLocation: location, snapshotTag: 'compacted' });
    expect(compacted.operation.state).toBe('COMPLETED');
    for (const node of system.nodes) {
      const manifest = await readJson<ManifestDoc>(manifestPath(node.hostId, compacted.backupName));
      expect(manifest.totals.uploadedBytes).toBeGreaterThan(12 * 1024 * 1024); // the merged orders SSTable is new
      // every backup, old and new, still has each of its objects, intact
      for (const name of [first, compacted.backupName]) {
        const doc = await readJson<ManifestDoc>(manifestPath(node.hostId, name));
        for (const file of doc.tables.flatMap((t) => t.files)) {
          expect({ key: file.key, exists: existsSync(objectPath(file.key)) }).toEqual({ key: file.key, exists: true });
        }
      }
    }
  });

  it('lists the backups with nodes complete / expected, sizes and bytes added', async () => {
    const response = await system.get(`/backups?storageLocation=${encodeURIComponent(location)}`);
    expect(response.status).toBe(200);
    const backups = response.body as Array<{
      name: string;
      complete: boolean;
      nodesComplete: number;
      nodesExpected: number;
      totalBytes: number;
      addedBytes: number;
      time: string;
    }>;
    expect(backups.length).toBeGreaterThanOrEqual(4);
    const firstEntry = backups.find((b) => b.name === first);
    expect(firstEntry).toMatchObject({ complete: true, nodesComplete: 3, nodesExpected: 3 });
    expect(firstEntry?.addedBytes).toBe(firstEntry?.totalBytes);
    const times = backups.map((b) => b.time);
    expect([...times].sort().reverse()).toEqual(times);

    const listed = await system.post('/operations', { type: 'list', storageLocation: location, hostId: system.nodes[0].hostId });
    expect(listed.status).toBe(201);
    const done = await system.waitForOperation((listed.body as { id: string }).id);
    expect(done.state).toBe('COMPLETED');
    expect((done.response as { backups: Array<{ name: string }> }).backups.map((b) => b.name)).toContain(first);
  });

  it('answers bad input with a 4xx naming the field', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ type: 'backup', globalRequest: true, storageLocation: 'ftp://bucket' }, 'storageLocation'],
      [{ type: 'backup', globalRequest: true, storageLocation: 'nonsense' }, 'storageLocation'],
      [{ type: 'backup', globalRequest: true, storageLocation: location, snapshotTag: '../etc' }, 'snapshotTag'],
      [{ type: 'backup', globalRequest: true, storageLocation: location, snapshotTag: '..' }, 'snapshotTag'],
      [{ type: 'backup', globalRequest: true, storageLocation: location, entities: 'a.b,c' }, 'entities'],
      [{ type: 'backup', globalRequest: true, storageLocation: location, bandwidth: { value: 1, unit: 'LIGHTYEARS' } }, 'bandwidth.unit'],
    ];
    for (const [body, field] of bad) {
      const response = await system.post('/operations', body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      const fields = ((response.body as { errors: Array<{ field: string }> }).errors ?? []).map((e) => e.field);
      expect({ body, fields }).toEqual({ body, fields: expect.arrayContaining([field]) });
    }
    // names that do not exist on the nodes (their agents register the schema)
    for (const entities of ['nosuchks', 'shop.nosuchtable']) {
      const response = await system.post('/operations', { type: 'backup', globalRequest: true, storageLocation: location, entities });
      expect(response.status).toBe(400);
      expect((response.body as { errors: Array<{ field: string; message: string }> }).errors).toEqual([
        {
          field: 'entities',
          message: expect.stringContaining(`${entities.includes('.') ? 'table' : 'keyspace'} ${entities} does not exist`),
        },
      ]);
    }
  });

  it('fails with a clear error on a permanent storage failure, leaving no manifest and no snapshot', async () => {
    const victim = system.nodes[1];
    // a file where the node's data directory must go: every put under it fails, and retrying cannot help
    const blocked = join(bucketDir(), CLUSTER, 'dc1', victim.hostId);
    mkdirSync(blocked, { recursive: true });
    removeDir(join(blocked, 'data'));
    writeFileSync(join(blocked, 'data'), 'not a directory');
    // new rows, so the victim has an SSTable the store lacks and must upload
    await system.simOf(victim).writeRows('shop', 'customers', 50, 7);
    try {
      const { operation } = await runBackup(system, { storageLocation: location, snapshotTag: 'doomed', entities: 'shop.customers' });
      expect(operation.state).toBe('FAILED');
      expect(operation.errors).toHaveLength(1);
      expect(operation.errors[0].source).toBe(`${victim.hostId} (${victim.address})`);
      const manifests = await filesUnder(join(bucketDir(), CLUSTER, 'dc1', victim.hostId, 'manifests'));
      expect(manifests.filter((p) => p.includes('doomed-'))).toEqual([]);
      expect(
        existsSync(join(bucketDir(), CLUSTER, 'backups')) &&
          (await filesUnder(join(bucketDir(), CLUSTER, 'backups'))).some((p) => p.includes('doomed-')),
      ).toBe(false);
      const snapshots = (await filesUnder(join(victim.home, 'data', 'data', 'shop'))).filter((p) => p.includes('/snapshots/doomed-'));
      expect(snapshots).toEqual([]);
    } finally {
      removeDir(join(blocked, 'data'));
    }
  });

  it('fails the global backup within the timeout when a node is killed mid-backup', async () => {
    const victim = system.nodes[2];
    const agent = system.agents[2];
    process.kill(agent.pid, 'SIGSTOP');
    const response = await system.post('/operations', {
      type: 'backup',
      globalRequest: true,
      storageLocation: location,
      snapshotTag: 'interrupted',
    });
    const id = (response.body as { id: string }).id;
    await system.waitForOperation(id, (op) => op.state === 'RUNNING', 20_000);
    await system.group.kill(agent, 'SIGKILL');
    const done = await system.waitForOperation(id, undefined, 40_000);
    expect(done.state).toBe('FAILED');
    expect(done.errors.map((e) => e.source)).toEqual([`${victim.hostId} (${victim.address})`]);
    expect(done.errors[0].message).toContain('stopped heartbeating');
    expect((await filesUnder(join(bucketDir(), CLUSTER, 'backups'))).some((p) => p.includes('interrupted-'))).toBe(false);
  });
});
