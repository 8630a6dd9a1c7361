/**
 * Icarus clients as they are (the Go client, CassKop old and new) against a 3-node simulated cluster whose
 * gateway runs as the sidecar of node 1 (`--local-node auto`: the agent registered with this machine's
 * address, 127.0.0.1): single-node endpoints and requests without hostId answer for that node; a global
 * restore sent as Icarus 1.x did (restorationPhase DOWNLOAD) runs every phase; `singlePhase` runs one.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { Components, schemaProblems } from '../support/schema-check';
import { filesUnder, runBackup } from './backup-support';

/** Icarus's published response schemas (test/icarus/icarus-schemas.json). */
const ICARUS: Components = JSON.parse(readFileSync(join(__dirname, '..', 'icarus', 'icarus-schemas.json'), 'utf8')) as Components;

/**
 * Where Daedalus departs from Icarus's spec on purpose: `progress` is a JSON number (Icarus itself sends a
 * number; its spec says a string "format: float"), and the times are ISO-8601 strings or null before they happen.
 */
const DIFFERENCES: Record<string, (view: Record<string, unknown>) => Record<string, unknown>> = {
  progress: (view) => ({ ...view, progress: String(view.progress) }),
};

describe('Icarus compatibility', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  let backupName: string;

  const checksums = async (table: string) =>
    Promise.all(system.nodes.map(async (node) => String(await system.simOf(node).checksum('shop', table))));

  async function submit(body: Record<string, unknown>): Promise<OperationView> {
    const response = await system.post('/operations', body);
    if (response.status !== 201) throw new Error(`refused: ${response.status} ${JSON.stringify(response.body)}`);
    return system.waitForOperation((response.body as OperationView).id, undefined, 120_000);
  }

  async function refusal(body: Record<string, unknown>): Promise<Array<{ field: string; message: string }>> {
    const response = await system.post('/operations', body);
    expect(response.status).toBe(400);
    return (response.body as { errors: Array<{ field: string; message: string }> }).errors;
  }

  const restore = (fields: Record<string, unknown>) => ({
    type: 'restore',
    storageLocation: location,
    snapshotTag: backupName,
    globalRequest: true,
    restorationStrategyType: 'HARDLINKS',
    ...fields,
  });

  async function flushShop(): Promise<void> {
    const flush = await system.post('/operations', { type: 'flush', keyspace: 'shop', globalRequest: true });
    expect((await system.waitForOperation((flush.body as OperationView).id)).state).toBe('COMPLETED');
  }

  beforeAll(async () => {
    storeRoot = makeTempDir('compat-store');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({
      nodes: 3,
      coordinators: 1,
      dcs: ['dc1', 'dc1', 'dc2'],
      gatewayArgs: ['--local-node', 'auto'],
      agentArgs: ['--enable-truncate'],
    });
    await system.createTables('shop', ['orders', 'customers', 'bulk'], 120);
    await flushShop();
    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'base', createMissingBucket: true });
    expect(backup.operation.state).toBe('COMPLETED');
    backupName = backup.backupName;
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  describe('the local node is the co-located agent (--local-node auto)', () => {
    it('answers /status, /version, /version/cassandra and /version/schema like Icarus, for node 1', async () => {
      expect((await system.get('/status')).body).toEqual({ nodeState: 'NORMAL', source: 'live' });
      const sidecar = (await system.get('/version/sidecar')).body;
      expect((await system.get('/version')).body).toEqual(sidecar);
      expect(sidecar).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
      expect((await system.get('/version/cassandra')).body).toMatchObject({
        major: 4,
        minor: 1,
        patch: 7,
        dsePatch: -1,
        preReleaseLabels: [],
      });
      const schema = (await system.get('/version/schema')).body as { schemaVersion: string };
      expect(schema.schemaVersion).toBe(
        await system.attribute(system.nodes[0], 'org.apache.cassandra.db:type=StorageService', 'SchemaVersion'),
      );
    });

    it("serves GET /config: node 1's cassandra.yaml as application/yaml, secret values redacted", async () => {
      const file = join(system.nodes[0].configDir, 'cassandra.yaml');
      appendFileSync(file, 'server_encryption_options:\n  keystore: conf/.keystore\n  keystore_password: probe-secret-1234\n');
      const response = await fetch(`${system.gatewayUrl}/config`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/yaml/);
      const text = await response.text();
      const own = readFileSync(file, 'utf8');
      expect(text).toContain(own.split('\n').find((l) => l.startsWith('data_file_directories')) ?? 'data_file_directories');
      expect(text).toContain(system.nodes[0].home);
      expect(text).not.toContain(system.nodes[1].home);
      expect(text).toContain('keystore: conf/.keystore');
      expect(text).not.toContain('probe-secret-1234');
    });

    it('runs a request without hostId or globalRequest on node 1', async () => {
      const done = await submit({ type: 'flush', keyspace: 'shop' });
      expect(done.state).toBe('COMPLETED');
      expect(done.nodes.map((n) => n.hostId)).toEqual([system.nodes[0].hostId]);
    });
  });

  describe('storage locations and data centers', () => {
    it('writes a global backup sent with a file:// node form (any node id) under the real cluster/dc/hostId', async () => {
      const done = await runBackup(system, {
        storageLocation: `file://${storeRoot}/bucket/my-cluster/dc1/cassandra-0`,
        snapshotTag: 'nodeform',
      });
      expect(done.operation.errors).toEqual([]);
      expect(done.operation.state).toBe('COMPLETED');
      for (const node of system.nodes) {
        const manifests = await filesUnder(join(storeRoot, 'bucket', 'daedalus-test', node.dc, node.hostId, 'manifests'));
        expect(manifests.some((m) => m.endsWith(`${done.backupName}.json`))).toBe(true);
      }
      expect(await filesUnder(join(storeRoot, 'bucket', 'my-cluster'))).toEqual([]);
      expect(await filesUnder(join(storeRoot, 'bucket', 'my-cluster', 'dc1', 'cassandra-0'))).toEqual([]);
    });

    it('takes a comma-separated dc as several data centers, and refuses one without nodes', async () => {
      const both = await submit({ type: 'flush', keyspace: 'shop', globalRequest: true, dc: 'dc1,dc2' });
      expect(both.nodes.map((n) => n.hostId).sort()).toEqual(system.nodes.map((n) => n.hostId).sort());
      const one = await submit({ type: 'flush', keyspace: 'shop', globalRequest: true, dc: 'dc2' });
      expect(one.nodes.map((n) => n.hostId)).toEqual([system.nodes[2].hostId]);
      const typo = await system.post('/operations', { type: 'flush', keyspace: 'shop', globalRequest: true, dc: 'dc1,dc9' });
      expect(typo.status).toBe(201);
      const failed = await system.waitForOperation((typo.body as OperationView).id);
      expect(failed.state).toBe('FAILED');
      expect(failed.errors.map((e) => e.message).join()).toContain('no registered nodes in dc "dc9"');
    });
  });

  describe('backup fields as the Go client sends them', () => {
    it('takes cassandraDirectory when it holds the data directories, refuses it otherwise', async () => {
      const home = system.nodes[0].home;
      const done = await submit({
        type: 'backup',
        storageLocation: location,
        snapshotTag: 'rooted',
        globalRequest: true,
        dc: 'dc1',
        cassandraDirectory: '/',
      });
      expect(done.state).toBe('COMPLETED');
      const errors = await refusal({
        type: 'backup',
        storageLocation: location,
        globalRequest: true,
        cassandraDirectory: join(home, 'elsewhere'),
      });
      expect(errors[0]).toMatchObject({
        field: 'cassandraDirectory',
        message: expect.stringContaining('does not hold the data directories'),
      });
      const dirs = await refusal({ type: 'backup', storageLocation: location, globalRequest: true, dataDirs: '/var/lib/cassandra/data' });
      expect(dirs[0]).toMatchObject({ field: 'dataDirs' });
    });

    it('echoes proxySettings in the types sent, secrets redacted', async () => {
      const response = await system.post('/operations', {
        type: 'backup',
        storageLocation: 's3://compat-no-such-bucket',
        globalRequest: true,
        proxySettings: {
          useProxy: 'true',
          proxyHost: '127.0.0.1',
          proxyPort: '3128',
          proxyUsername: 'probe-user-77',
          proxyPassword: 'probe-pass-77',
        },
      });
      expect(response.status).toBe(201);
      const expected = {
        useProxy: 'true',
        proxyHost: '127.0.0.1',
        proxyPort: '3128',
        proxyUsername: '[redacted]',
        proxyPassword: '[redacted]',
      };
      expect((response.body as { proxySettings: unknown }).proxySettings).toEqual(expected);
      expect(schemaProblems(expected, { $ref: 'ProxySettings' }, ICARUS)).toEqual([]);
      const id = (response.body as OperationView).id;
      expect(((await system.get(`/operations/${id}`)).body as { proxySettings: unknown }).proxySettings).toEqual(expected);
      // it fails (no such store, no credentials) but never shows a secret
      const done = await system.waitForOperation(id);
      expect(JSON.stringify(done)).not.toMatch(/probe-(user|pass)-77/);
    });

    it('paces an upload to its duration instead of aborting it when the time is up', async () => {
      for (const node of system.nodes) await system.simOf(node).generateSSTables('shop', 'bulk', 2, 1024 * 1024);
      const started = Date.now();
      const paced = await submit({
        type: 'backup',
        storageLocation: location,
        snapshotTag: 'paced',
        globalRequest: true,
        entities: 'shop.bulk',
        duration: 'PT3S',
      });
      const took = Date.now() - started;
      expect(paced.errors).toEqual([]);
      expect(paced.state).toBe('COMPLETED');
      // 2 MiB per node spread over 3 s (unpaced it takes a fraction of a second)
      expect(took).toBeGreaterThanOrEqual(2_000);
      // a duration far too short (new files, so there is something to upload): the backup is late, not aborted
      for (const node of system.nodes) await system.simOf(node).generateSSTables('shop', 'bulk', 2, 1024 * 1024);
      const late = await submit({
        type: 'backup',
        storageLocation: location,
        snapshotTag: 'late',
        globalRequest: true,
        entities: 'shop.bulk',
        duration: '1 seconds',
        bandwidth: { value: 1, unit: 'MBPS' },
      });
      expect(late.errors).toEqual([]);
      expect(late.state).toBe('COMPLETED');
    });
  });

  describe("conformance with Icarus's published schemas", () => {
    const check = (value: unknown, schema: string) => expect(schemaProblems(value, { $ref: schema }, ICARUS)).toEqual([]);

    it('answers /version, /version/sidecar, /version/cassandra, /version/schema, /status and /topology in their shapes', async () => {
      check((await system.get('/version')).body, 'SidecarVersion');
      check((await system.get('/version/sidecar')).body, 'SidecarVersion');
      check((await system.get('/version/cassandra')).body, 'CassandraVersion');
      check((await system.get('/version/schema')).body, 'CassandraSchemaVersion');
      check((await system.get('/status')).body, 'CassandraStatus');
      check((await system.get('/topology')).body, 'ClusterTopology');
      check((await system.get('/topology/dc2')).body, 'ClusterTopology');
    });

    it('serves an OpenAPI document whose POST /operations body is every request type, from the DTOs', async () => {
      const doc = (await system.get('/openapi.json')).body as {
        paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: { oneOf: unknown[] } }> } } }>;
        components: { schemas: Record<string, { properties: Record<string, unknown> }> };
      };
      expect(doc.paths['/operations'].post?.requestBody?.content['application/json'].schema.oneOf.length).toBeGreaterThanOrEqual(13);
      expect(Object.keys(doc.components.schemas.BackupOperationRequest.properties)).toEqual(
        expect.arrayContaining(Object.keys(ICARUS.BackupOperationRequest.properties ?? {})),
      );
    });

    it('answers operations as BaseOperation plus the request (backup as the Go client sends it), with the listed differences', async () => {
      const sent = {
        type: 'backup',
        storageLocation: location,
        snapshotTag: 'conformance',
        globalRequest: true,
        concurrentConnections: 4,
        cassandraDirectory: '/',
        duration: '1 hours',
        dc: 'dc1,dc2',
      };
      const created = await system.post('/operations', sent);
      expect(created.status).toBe(201);
      const done = await system.waitForOperation((created.body as OperationView).id);
      expect(done.state).toBe('COMPLETED');
      const listed = (await system.get('/operations?type=backup')).body as Array<Record<string, unknown>>;
      for (const view of [created.body as Record<string, unknown>, done, ...listed]) {
        const adjusted = Object.values(DIFFERENCES).reduce((v, fix) => fix(v), view);
        check(adjusted, 'BaseOperation');
        check(adjusted, 'BackupOperationRequest');
      }
    });
  });

  describe('restore phases as Icarus clients send them', () => {
    it('runs the whole restore for a global request with restorationPhase DOWNLOAD (Icarus 1.x, older CassKop)', async () => {
      const before = await checksums('orders');
      for (const node of system.nodes) await system.simOf(node).writeRows('shop', 'orders', 40, 500 + node.index);
      await flushShop();
      expect(await checksums('orders')).not.toEqual(before);
      const done = await submit(restore({ restorationPhase: 'DOWNLOAD', entities: 'shop.orders' }));
      expect(done.errors).toEqual([]);
      expect(done.state).toBe('COMPLETED');
      expect(Object.keys(done.response as object)).toEqual(['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP']);
      expect(await checksums('orders')).toEqual(before);
    });

    it('runs one phase cluster-wide with singlePhase: DOWNLOAD stages, IMPORT loads it (one dc)', async () => {
      const node = system.nodes[2];
      // under the agent's staging root (--staging-roots): a restore writes nowhere else
      const staged = join(node.home, 'data', 'daedalus-restore', 'staged-by-hand');
      try {
        const before = await system.simOf(node).checksum('shop', 'customers');
        await system.simOf(node).writeRows('shop', 'customers', 30, 900);
        await flushShop();
        const download = await submit(
          restore({
            dc: 'dc2',
            singlePhase: true,
            restorationPhase: 'DOWNLOAD',
            entities: 'shop.customers',
            import: { sourceDir: staged },
          }),
        );
        expect(download.errors).toEqual([]);
        expect(Object.keys(download.response as object)).toEqual(['DOWNLOAD']);
        expect((await filesUnder(join(staged, 'shop', 'customers'))).some((f) => f.endsWith('Data.db'))).toBe(true);
        // nothing was truncated or imported: the table still has the rows written after the backup
        expect(await system.simOf(node).checksum('shop', 'customers')).not.toBe(before);

        const truncate = await submit({ type: 'truncate', keyspace: 'shop', table: 'customers', hostId: node.hostId });
        expect(truncate.state).toBe('COMPLETED');
        const load = await submit(
          restore({ dc: 'dc2', singlePhase: true, restorationPhase: 'IMPORT', entities: 'shop.customers', import: { sourceDir: staged } }),
        );
        expect(load.errors).toEqual([]);
        expect(Object.keys(load.response as object)).toEqual(['IMPORT']);
        expect(await system.simOf(node).checksum('shop', 'customers')).toBe(before);
      } finally {
        removeDir(staged);
      }
    });

    it("replaces a global location's cluster/dc/node segments with the real ones (a restore finds the backup)", async () => {
      const done = await submit(
        restore({
          storageLocation: `file://${storeRoot}/bucket/cluster1/dc1/node1`,
          entities: 'shop.orders',
          restorationPhase: 'INIT',
          singlePhase: true,
        }),
      );
      expect(done.errors).toEqual([]);
      expect(done.state).toBe('COMPLETED');
      const init = (done.response as { INIT: Record<string, { backupName: string }> }).INIT;
      expect(Object.values(init).map((r) => r.backupName)).toEqual([backupName, backupName, backupName]);
    });

    it('refuses a phase that cannot run alone, naming singlePhase', async () => {
      expect((await refusal(restore({ singlePhase: true, restorationPhase: 'TRUNCATE' })))[0]).toMatchObject({ field: 'singlePhase' });
      expect((await refusal(restore({ restorationPhase: 'IMPORT' })))[0].message).toContain('singlePhase');
    });

    it('runs remove-backup as Icarus sends it (placeholder segments, dry, resolveNodes false) and refuses what it cannot honour', async () => {
      const body = {
        type: 'remove-backup',
        storageLocation: `file://${storeRoot}/bucket/cluster1/dc1/node1`,
        backupName,
        dry: true,
        globalRequest: true,
        resolveNodes: false,
      };
      const before = await filesUnder(join(storeRoot, 'bucket'));
      const done = await submit(body);
      expect(done.errors).toEqual([]);
      expect(done.state).toBe('COMPLETED');
      const tombstone = Object.values((done.response as { TOMBSTONE: Record<string, { removed: Array<{ name: string }> }> }).TOMBSTONE);
      expect(tombstone.flatMap((r) => r.removed.map((b) => b.name))).toEqual([backupName]);
      expect(await filesUnder(join(storeRoot, 'bucket'))).toEqual(before);
      expect((await refusal({ ...body, resolveNodes: true })).map((e) => e.field)).toEqual(['resolveNodes']);
      expect((await refusal({ ...body, removeOldest: true })).map((e) => e.field)).toEqual(['backupName|removeOldest']);
    });
  });
});
