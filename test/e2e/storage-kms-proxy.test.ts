/**
 * `kmsKeyId` and `proxySettings` on S3 take effect: a backup and restore through a real HTTP forward proxy
 * (with Basic authentication) to s3rver, every object written with SSE-KMS. Between the proxy and s3rver a
 * recording front (test/support/proxy/s3-sse-front.ts) shows which headers the agents sent and answers for SSE
 * as AWS does; switched off, it shows that a store ignoring SSE-KMS fails the backup rather than keeping
 * plaintext. A wrong proxy password fails the operation saying so, and the password is in no record or log.
 * Providers that cannot honour the fields are refused with a 400 naming them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { S3Backend } from '@daedalus/storage';
import { OperationView } from '../support/system';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { DaedalusSystem } from '../support/system';
import { startEmulator, StorageEmulator } from '../storage/emulators';
import { S3SseFront, startS3SseFront } from '../support/proxy/s3-sse-front';
import { startTestProxy, TestProxy } from '../support/proxy/test-proxy';
import { runBackup } from './backup-support';

const KMS_KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const PROXY_USER = 'backup-svc';
const PROXY_PASSWORD = 'pr0xy-S3cret-probe-91c2';
const WRONG_PASSWORD = 'wr0ng-S3cret-probe-77d4';
const MIB = 1024 * 1024;

describe('S3 with kmsKeyId through an authenticating proxy', () => {
  let dir: string;
  let group: ProcessGroup;
  let s3: StorageEmulator;
  let front: S3SseFront;
  let proxy: TestProxy;
  let system: DaedalusSystem;
  let env: Record<string, string>;

  const proxySettings = (password = PROXY_PASSWORD) => ({
    useProxy: true,
    proxyHost: '127.0.0.1',
    proxyPort: proxy.port,
    proxyProtocol: 'http',
    proxyUsername: PROXY_USER,
    proxyPassword: password,
  });
  const proxied = () => proxy.seen();

  beforeAll(async () => {
    dir = makeTempDir('kms-proxy');
    group = new ProcessGroup(dir);
    s3 = await startEmulator('s3', group, join(dir, 's3'));
    front = await startS3SseFront(s3.endpoint);
    proxy = await startTestProxy(group, dir, PROXY_USER, PROXY_PASSWORD);
    // the agents reach s3rver only through the front (the endpoint), and the front only through the proxy (the request)
    env = { ...s3.env, AWS_ENDPOINT_URL: front.endpoint };
    system = await DaedalusSystem.start({ nodes: 2, coordinators: 1, env, baseDir: join(dir, 'system') });
    await system.createTables('shop', ['orders'], 200);
    for (const node of system.nodes) await system.simOf(node).generateSSTables('shop', 'orders', 2, 1024 * 1024);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await front?.close();
    await group?.stopAll();
    if (dir) removeDir(dir);
  }, 60_000);

  it('backs up with SSE-KMS on every object write, all through the proxy, and restores the content', async () => {
    const checksums = async () => Promise.all(system.nodes.map(async (n) => String(await system.simOf(n).checksum('shop', 'orders'))));
    const flush = async () => {
      const response = await system.post('/operations', { type: 'flush', keyspace: 'shop', globalRequest: true });
      await system.waitForOperation((response.body as OperationView).id);
    };
    await flush();
    const before = await checksums();
    front.records.length = 0;
    const { operation, backupName } = await runBackup(system, {
      storageLocation: 's3://kms-backups',
      snapshotTag: 'kms',
      createMissingBucket: true,
      kmsKeyId: KMS_KEY,
      proxySettings: proxySettings(),
    });
    expect(operation.errors).toEqual([]);
    expect(operation.state).toBe('COMPLETED');

    const writes = front.writes();
    // data files of both nodes, manifests, indexes and the cluster record: every one asked for SSE-KMS with the key
    expect(writes.length).toBeGreaterThanOrEqual(2 * 4);
    expect(writes.filter((w) => w.sse !== 'aws:kms' || w.kmsKeyId !== KMS_KEY)).toEqual([]);
    // every request the front saw came through the proxy, authenticated
    const seen = proxied();
    expect(seen.filter((l) => l.allowed).length).toBeGreaterThanOrEqual(front.records.length);
    expect(seen.every((l) => l.target.startsWith(front.endpoint))).toBe(true);

    await system.simOf(system.nodes[0]).writeRows('shop', 'orders', 50, 4242);
    await flush();
    expect(await checksums()).not.toEqual(before);
    const response = await system.post('/operations', {
      type: 'restore',
      storageLocation: 's3://kms-backups',
      snapshotTag: backupName,
      globalRequest: true,
      kmsKeyId: KMS_KEY,
      proxySettings: proxySettings(),
    });
    expect(response.status).toBe(201);
    const restored = await system.waitForOperation((response.body as OperationView).id, undefined, 120_000);
    expect(restored.errors).toEqual([]);
    expect(restored.state).toBe('COMPLETED');
    expect(await checksums()).toEqual(before);
  });

  it('fails a restore with kmsKeyId of a backup stored without it, before truncating anything', async () => {
    const plain = await runBackup(system, { storageLocation: 's3://plain-backups', snapshotTag: 'plain', createMissingBucket: true });
    expect(plain.operation.state).toBe('COMPLETED');
    // rows the backup lacks: a truncate or an import would change the content
    await system.simOf(system.nodes[1]).writeRows('shop', 'orders', 30, 777);
    const flush = await system.post('/operations', { type: 'flush', keyspace: 'shop', globalRequest: true });
    await system.waitForOperation((flush.body as OperationView).id);
    const before = await Promise.all(system.nodes.map(async (n) => String(await system.simOf(n).checksum('shop', 'orders'))));
    const response = await system.post('/operations', {
      type: 'restore',
      storageLocation: 's3://plain-backups',
      snapshotTag: plain.backupName,
      globalRequest: true,
      kmsKeyId: KMS_KEY,
    });
    expect(response.status).toBe(201);
    const restore = await system.waitForOperation((response.body as OperationView).id, undefined, 120_000);
    expect(restore.state).toBe('FAILED');
    expect(restore.errors.map((e) => e.message).join('\n')).toContain('is not encrypted with the requested kmsKeyId');
    expect(restore.errors.map((e) => e.message).join('\n')).toMatch(/phase (INIT|DOWNLOAD)/);
    expect(await Promise.all(system.nodes.map(async (n) => String(await system.simOf(n).checksum('shop', 'orders'))))).toEqual(before);
  });

  it('uploads again, encrypted, what an earlier backup stored without the key (no plaintext reused)', async () => {
    // s3://plain-backups holds the plaintext backup of the test before
    front.records.length = 0;
    const { operation } = await runBackup(system, {
      storageLocation: 's3://plain-backups',
      snapshotTag: 'now-encrypted',
      kmsKeyId: KMS_KEY,
      proxySettings: proxySettings(),
    });
    expect(operation.state).toBe('COMPLETED');
    const upload = (operation.response as { UPLOAD: Record<string, { totals: { files: number; uploadedFiles: number } }> }).UPLOAD;
    for (const { totals } of Object.values(upload)) expect(totals.uploadedFiles).toBe(totals.files);
    expect(front.writes().filter((w) => w.path.includes('/data/') && w.sse === 'aws:kms').length).toBeGreaterThan(0);
    expect(front.writes().filter((w) => w.sse !== 'aws:kms')).toEqual([]);
  });

  it('fails a backup whose store does not confirm SSE-KMS, removing the object and committing nothing', async () => {
    front.honour = false;
    let refused: string[] = [];
    try {
      const { operation } = await runBackup(system, {
        storageLocation: 's3://kms-ignored',
        snapshotTag: 'ignored',
        createMissingBucket: true,
        kmsKeyId: KMS_KEY,
        proxySettings: proxySettings(),
      });
      expect(operation.state).toBe('FAILED');
      const messages = operation.errors.map((e) => e.message).join('\n');
      expect(messages).toContain('did not confirm SSE-KMS encryption');
      refused = [...messages.matchAll(/encryption of "([^"]+)"/g)].map((m) => m[1]);
    } finally {
      front.honour = true;
    }
    // Uploads still in flight when the node failed may stay (the backend is closed under them): no manifest names
    // them, and a later backup with the key does not reuse them (their stat has no SSE-KMS, so no hash).
    const bare = s3.open('kms-ignored');
    try {
      const left: string[] = [];
      for await (const entry of bare.list('')) left.push(entry.key);
      expect(refused.length).toBeGreaterThan(0);
      for (const key of refused) expect(left).not.toContain(key);
      expect(left.filter((key) => key.includes('/manifests/') || key.includes('/backups/'))).toEqual([]);
    } finally {
      await bare.close();
    }
  });

  it('fails with a clear error when the proxy refuses the password, which appears in no error or log', async () => {
    const { operation } = await runBackup(system, {
      storageLocation: 's3://kms-backups',
      snapshotTag: 'wrong-password',
      kmsKeyId: KMS_KEY,
      proxySettings: proxySettings(WRONG_PASSWORD),
    });
    expect(operation.state).toBe('FAILED');
    expect(operation.errors.map((e) => e.message).join('\n')).toContain('the proxy refused the proxy credentials (HTTP 407)');
    expect(proxied().some((l) => !l.allowed)).toBe(true);
    // (the request's own copy of the password in records and responses is redacted by the secrets work, not here)
    const errors = JSON.stringify(operation.errors);
    const logs = readdirSync(join(dir, 'system', 'logs')).map((f) => readFileSync(join(dir, 'system', 'logs', f), 'utf8'));
    for (const text of [errors, ...logs]) {
      expect(text).not.toContain(WRONG_PASSWORD);
    }
  });

  it('refuses kmsKeyId and proxySettings where the provider cannot honour them, naming the field', async () => {
    const hostId = system.nodes[0].hostId;
    for (const [storageLocation, field, body] of [
      [`azure://c/test/dc1/${hostId}`, 'kmsKeyId', { kmsKeyId: KMS_KEY }],
      [`gcp://b/test/dc1/${hostId}`, 'proxySettings', { proxySettings: proxySettings() }],
      [`file:///tmp/store/b/test/dc1/${hostId}`, 'kmsKeyId', { kmsKeyId: KMS_KEY }],
    ] as const) {
      const response = await system.post('/operations', { type: 'backup', storageLocation, hostId, ...body });
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).toContain(field);
      expect(JSON.stringify(response.body)).toContain('provider cannot');
      expect(JSON.stringify(response.body)).not.toContain(PROXY_PASSWORD);
    }
  });

  // Jest cannot load the proxy agents (ES modules), so this one goes to the front directly; the agents above
  // used the proxy.
  it('sends SSE-KMS on a multipart create too, and reuses only objects the store reports encrypted', async () => {
    const backend = new S3Backend({
      bucket: 'kms-backups',
      env: { ...process.env, ...env },
      partSize: 5 * MIB,
      singlePutMaxBytes: 5 * MIB,
      conditionalWrites: 'check-first',
      kmsKeyId: KMS_KEY,
    });
    front.records.length = 0;
    try {
      // unknown size and larger than a part: a multipart upload
      const put = await backend.put('multi/object', Readable.from([Buffer.alloc(6 * MIB, 1), Buffer.alloc(6 * MIB, 2)]));
      expect(put.size).toBe(12 * MIB);
      const creates = front.records.filter((r) => r.method === 'POST' && /(^|&)uploads/.test(r.query));
      expect(creates).toHaveLength(1);
      expect(creates[0]).toMatchObject({ sse: 'aws:kms', kmsKeyId: KMS_KEY });
      expect(front.records.filter((r) => /partNumber=/.test(r.query)).length).toBe(3);
      // an object the store reports encrypted with the key keeps its hash (reusable); one it does not, loses it
      const content = Buffer.from('small object');
      const { sha256 } = await backend.put('single/object', Readable.from([content]), { size: content.length });
      await backend.put('single/object', Readable.from([content]), { size: content.length, sha256 });
      expect((await backend.stat('single/object'))?.sha256).toBe(sha256);
      front.honour = false;
      expect((await backend.stat('single/object'))?.sha256).toBeUndefined();
    } finally {
      front.honour = true;
      await backend.close();
    }
  });
});
