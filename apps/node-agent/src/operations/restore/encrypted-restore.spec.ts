import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import { BackupRequest, OperationRecord, RestoreContext, RestoreRequest, StoredPhaseResults } from '@daedalus/contracts';
import { OperationStore } from '@daedalus/messaging';
import { MemoryBackend } from '@daedalus/storage';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { ClientEncryption, EncryptionKey, MAGIC } from '../../repository/encryption';
import { InFlightUploads } from '../../repository/in-flight-uploads';
import { NodeManifest } from '../../repository/manifest';
import { ManifestCache } from '../../repository/manifest-store';
import { BackupExecutor } from '../backup/backup.executor';
import { FakeCassandraNode } from '../testing/fake-cassandra-node';
import {
  dataFiles,
  FakeSnapshots,
  HOST,
  identityOf,
  movingImport,
  namesIn,
  nodeRegistration,
  phaseContext,
  TABLE_ID,
  writeSSTable,
} from '../testing/node-fixtures';
import { RestoreExecutor } from './restore.executor';
import { RestoreLedger } from './restore-ledger';

const me = { hostId: HOST, address: '127.0.0.1', dc: 'dc1' };
const NOW = Date.parse('2026-03-01T12:00:00Z');
const keyA = new ClientEncryption(EncryptionKey.fromBytes(Buffer.alloc(32, 0xa1)));
const keyB = new ClientEncryption(EncryptionKey.fromBytes(Buffer.alloc(32, 0xb2)));
const CONTENT = ['first row payload, in the clear on the node', 'second row payload, in the clear on the node'];
const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

describe('client-side encrypted backup and restore (executors)', () => {
  let dir: string;
  let live: string;
  let node: FakeCassandraNode;
  let snapshots: FakeSnapshots;
  let backend: MemoryBackend;
  let clock: ManualClock;
  let identity: ReturnType<typeof identityOf>;
  const manifests = new ManifestCache();

  async function backup(name: string, encryption: ClientEncryption): Promise<NodeManifest> {
    const executor = new BackupExecutor(
      node,
      snapshots,
      identity,
      manifests,
      new InFlightUploads(),
      clock,
      async () => backend,
      encryption,
    );
    const request = plainToInstance(BackupRequest, { type: 'backup', storageLocation: `s3://bucket/test/dc1/${HOST}` });
    const context = { backupName: name, snapshotTag: name, clusterName: 'test', participants: [me] };
    for (const phase of ['UPLOAD', 'COMMIT']) await executor.execute(request, phaseContext(phase, { coordinatorContext: context }).context);
    return JSON.parse(backend.objects.get(`test/dc1/${HOST}/manifests/${name}.json`)?.data.toString() ?? 'null') as NodeManifest;
  }

  /** Runs restore phases in order with one agent's encryption, as the coordinator would. */
  async function restore(name: string, encryption: ClientEncryption, phases: string[]): Promise<unknown[]> {
    let record = { id: 'op-1', type: 'restore', phase: 'INIT' } as OperationRecord;
    // read only: an agent never writes the record (the coordinators keep the ledger)
    const operations = { getTrusted: async () => ({ record }) } as unknown as OperationStore;
    const settings = { configDir: join(dir, 'conf'), reserveBytes: 0 };
    const executor = new RestoreExecutor(
      node,
      snapshots,
      identity,
      new RestoreLedger(operations),
      settings,
      clock,
      async () => backend,
      encryption,
    );
    const coordination: RestoreContext = { clusterName: 'test', participants: [me] };
    const request = plainToInstance(RestoreRequest, {
      type: 'restore',
      storageLocation: 's3://bucket',
      snapshotTag: name,
      globalRequest: false,
      hostId: HOST,
    });
    let results: StoredPhaseResults = {};
    const out: unknown[] = [];
    for (const phase of phases) {
      record = { ...record, phase };
      const result = await executor.execute(
        request,
        phaseContext(phase, { coordinatorContext: coordination, phaseResults: results }).context,
      );
      results = { ...results, [phase]: { [HOST]: result } };
      out.push(result);
    }
    return out;
  }

  const staged = () => join(dir, 'daedalus-restore', 'op-1', 'ks1', 't1');

  beforeEach(async () => {
    dir = await fs.makeTemporaryDirectory('encrypted-restore-spec');
    clock = new ManualClock(NOW);
    const data = join(dir, 'data');
    live = join(data, 'ks1', `t1-${TABLE_ID}`);
    await writeSSTable(live, 1, CONTENT[0]);
    await writeSSTable(live, 2, CONTENT[1]);
    node = new FakeCassandraNode({ clock });
    node.schemaView = { system: ['local'], ks1: ['t1'] };
    node.dataPaths['ks1.t1'] = [live];
    node.loadEffect = async (keyspace, table, directories) => {
      await movingImport(live)(keyspace, table, directories);
      node.liveCounts['ks1.t1'] = (await dataFiles(live)).length;
    };
    snapshots = new FakeSnapshots([data]);
    backend = new MemoryBackend();
    identity = identityOf(nodeRegistration(data));
  });

  afterEach(() => fs.remove(dir));

  it('seals every SSTable object under its key fingerprint and records the fingerprint, never the key', async () => {
    const manifest = await backup('b1', keyA);
    const keyId = keyA.key?.id ?? '';
    expect(manifest.encryption).toEqual({ scheme: 'daedalus-aes-256-gcm-chunked/1', keyId, chunkBytes: 65536 });
    const files = manifest.tables.flatMap((t) => t.files);
    expect(files).toHaveLength(6);
    for (const file of files) {
      expect(file.key.startsWith(`test/dc1/${HOST}/encrypted/${keyId}/data/ks1/`)).toBe(true);
      const stored = backend.objects.get(file.key)?.data ?? Buffer.alloc(0);
      expect(stored.subarray(0, 4)).toEqual(MAGIC);
      expect(file.stored).toEqual({ size: stored.length, sha256: sha(stored) });
    }
    const data = files.find((f) => f.name === 'nb-1-big-Data.db');
    expect(data).toMatchObject({ size: CONTENT[0].length, sha256: sha(CONTENT[0]) });
    const everything = Buffer.concat([...backend.objects.values()].map((o) => o.data));
    for (const text of CONTENT) expect(everything.includes(Buffer.from(text))).toBe(false);
    expect(everything.includes(Buffer.alloc(32, 0xa1))).toBe(false);
    expect(everything.toString('latin1')).not.toContain(Buffer.alloc(32, 0xa1).toString('hex'));
    const index = JSON.parse(backend.objects.get(`test/index/b1/dc1/${HOST}.json`)?.data.toString() ?? '{}') as {
      encryptionKeyId?: string;
    };
    expect(index.encryptionKeyId).toBe(keyId);
  });

  it('uploads nothing again for a second backup with the same key, but everything for another key or none', async () => {
    await backup('b1', keyA);
    expect((await backup('b2', keyA)).totals.uploadedFiles).toBe(0);
    expect((await backup('b3', ClientEncryption.none)).totals.uploadedFiles).toBe(6);
    expect((await backup('b4', keyB)).totals.uploadedFiles).toBe(6);
    expect((await backup('b5', keyA)).totals.uploadedFiles).toBe(0);
    expect((await backup('b6', ClientEncryption.none)).totals.uploadedFiles).toBe(0);
  });

  it('restores an encrypted backup with its key: the staged files are the originals', async () => {
    await backup('b1', keyA);
    for (const name of await namesIn(live)) await fs.remove(join(live, name));
    const [, download] = await restore('b1', keyA, ['INIT', 'DOWNLOAD']);
    expect(download).toMatchObject({ files: 6, fetchedFiles: 6 });
    expect(await fs.readText(join(staged(), 'nb-1-big-Data.db'))).toBe(CONTENT[0]);
    expect(await fs.readText(join(staged(), 'nb-2-big-Data.db'))).toBe(CONTENT[1]);
  });

  it('refuses in INIT a backup sealed with another key, or when the agent has none, naming the fingerprints; nothing is truncated', async () => {
    await backup('b1', keyA);
    const [a, b] = [keyA.key?.id, keyB.key?.id];
    await expect(restore('b1', keyB, ['INIT'])).rejects.toThrow(
      `backup b1 is encrypted with key ${a}, not with this agent's key ${b}: key fingerprint mismatch`,
    );
    await expect(restore('b1', ClientEncryption.none, ['INIT'])).rejects.toThrow(
      /backup b1 is encrypted with key [0-9a-f]{16}, and this agent has no encryption key/,
    );
    // a DOWNLOAD run on its own (no INIT results) checks the same before fetching
    await expect(restore('b1', keyB, ['DOWNLOAD'])).rejects.toThrow(/key fingerprint mismatch/);
    expect(await fs.stat(staged())).toBeUndefined();
    expect(node.callsOf('truncate')).toEqual([]);
  });

  it('fails DOWNLOAD on a tampered object, leaving no file of it staged', async () => {
    await backup('b1', keyA);
    const manifestObject = backend.objects.get(`test/dc1/${HOST}/manifests/b1.json`);
    if (!manifestObject) throw new Error('no manifest');
    const manifest = JSON.parse(manifestObject.data.toString()) as NodeManifest;
    const victim = manifest.tables[0].files.find((f) => f.name === 'nb-1-big-Data.db');
    const object = backend.objects.get(victim?.key ?? '');
    if (!object || !victim?.stored) throw new Error('no Data.db object');
    object.data[object.data.length - 20] ^= 0x01;
    // the store's hash metadata is made to match, so only the encryption can tell
    object.sha256 = sha(object.data);
    victim.stored.sha256 = object.sha256;
    manifestObject.data = Buffer.from(JSON.stringify(manifest));
    await expect(restore('b1', keyA, ['INIT', 'DOWNLOAD'])).rejects.toThrow(/chunk 0 fails authentication/);
    expect((await namesIn(staged())).filter((n) => n.startsWith('nb-1-big-Data.db'))).toEqual([]);
    expect(node.callsOf('truncate')).toEqual([]);
  });

  it('restores a backup taken in the clear on an agent that has a key', async () => {
    await backup('plain', ClientEncryption.none);
    await restore('plain', keyA, ['INIT', 'DOWNLOAD']);
    expect(sha(await fs.readText(join(staged(), 'nb-2-big-Data.db')))).toBe(sha(CONTENT[1]));
  });

  describe('IN_PLACE (Cassandra stopped)', () => {
    beforeEach(async () => {
      await fs.makeDirectory(join(dir, 'conf'));
      await fs.write(
        join(dir, 'conf', 'cassandra.yaml'),
        `data_file_directories:\n  - ${join(dir, 'data')}\ncommitlog_directory: ${join(dir, 'commitlog')}\n`,
      );
    });
    const stopped = () => node.failures.set('operationMode', new Error('connection refused'));

    it('refuses another key before it removes a single file from the live directory', async () => {
      await backup('b1', keyA);
      await writeSSTable(live, 3, 'written after the backup');
      const before = await namesIn(live);
      stopped();
      await expect(restore('b1', keyB, ['IN_PLACE'])).rejects.toThrow(/key fingerprint mismatch/);
      expect(await namesIn(live)).toEqual(before);
    });

    it('puts the decrypted files in place with the key', async () => {
      await backup('b1', keyA);
      await writeSSTable(live, 3, 'written after the backup');
      stopped();
      await restore('b1', keyA, ['IN_PLACE']);
      expect(await dataFiles(live)).toEqual(['nb-1-big-Data.db', 'nb-2-big-Data.db']);
      expect(await fs.readText(join(live, 'nb-1-big-Data.db'))).toBe(CONTENT[0]);
    });
  });
});
