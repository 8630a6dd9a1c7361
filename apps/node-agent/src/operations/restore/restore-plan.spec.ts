import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import {
  BackupRequest,
  OperationRecord,
  RestoreContext,
  RestoreDownloadResult,
  RestoreInPlaceResult,
  RestorePlanResult,
  RestoreRequest,
  StoredPhaseResults,
} from '@daedalus/contracts';
import { OperationStore } from '@daedalus/messaging';
import { MemoryBackend } from '@daedalus/storage';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { InFlightUploads } from '../../repository/in-flight-uploads';
import { ManifestCache } from '../../repository/manifest-store';
import { BackupExecutor } from '../backup/backup.executor';
import { OperationRejectedError } from '../executor';
import { FakeCassandraNode } from '../testing/fake-cassandra-node';
import { FakeSnapshots, HOST, identityOf, namesIn, nodeRegistration, phaseContext, writeSSTable, TABLE_ID } from '../testing/node-fixtures';
import { RestoreExecutor } from './restore.executor';
import { RestoreLedger } from './restore-ledger';
import { planRestore } from './restore-plan';
import { anyStorageLocation } from '../../repository/request-storage';
import { ClientEncryption } from '../../repository/encryption';

const me = { hostId: HOST, address: '127.0.0.1', dc: 'dc1' };
const coordination: RestoreContext = { clusterName: 'test', participants: [me] };
const NOW = Date.parse('2026-03-01T12:00:00Z');

const request = (fields: Partial<RestoreRequest> = {}) =>
  plainToInstance(RestoreRequest, {
    type: 'restore',
    storageLocation: 's3://bucket',
    snapshotTag: 'nightly-42',
    globalRequest: false,
    hostId: HOST,
    dryRun: true,
    ...fields,
  });

/** Every path under `root` with its size: what "nothing changed on disk" compares. */
async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.list(root)) {
    const path = join(root, entry.name);
    if (entry.isDirectory) out.push(`${path}/`, ...(await tree(path)));
    else out.push(`${path} ${(await fs.stat(path))?.size}`);
  }
  return out;
}

async function storeListing(backend: MemoryBackend): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of backend.list('')) keys.push(`${entry.key} ${entry.size}`);
  return keys;
}

describe('restore dry run (PLAN)', () => {
  let dir: string;
  let live: string;
  let node: FakeCassandraNode;
  let backend: MemoryBackend;
  let reserveBytes: number;
  let results: StoredPhaseResults;

  const executor = () => {
    const record = { id: 'op-1', type: 'restore', phase: 'INIT' } as OperationRecord;
    const operations = { getTrusted: async () => ({ record }) } as unknown as OperationStore;
    const identity = identityOf(nodeRegistration(join(dir, 'data')));
    const settings = { configDir: join(dir, 'conf'), reserveBytes };
    return new RestoreExecutor(
      node,
      new FakeSnapshots([join(dir, 'data')]),
      identity,
      new RestoreLedger(operations),
      settings,
      new ManualClock(NOW),
      async () => backend,
    );
  };

  async function phase(name: string, fields: Partial<RestoreRequest> = {}): Promise<unknown> {
    const { context } = phaseContext(name, { coordinatorContext: coordination, phaseResults: results });
    const result = await executor().execute(request(fields), context);
    results = { ...results, [name]: { [HOST]: result } };
    return result;
  }

  beforeEach(async () => {
    dir = await fs.makeTemporaryDirectory('restore-plan-spec');
    const clock = new ManualClock(NOW);
    live = join(dir, 'data', 'ks1', `t1-${TABLE_ID}`);
    await writeSSTable(live, 1, 'first');
    await writeSSTable(live, 2, 'second');
    node = new FakeCassandraNode({ clock });
    node.schemaView = { system: ['local'], ks1: ['t1'] };
    node.dataPaths['ks1.t1'] = [live];
    backend = new MemoryBackend();
    reserveBytes = 0;
    results = {};
    const identity = identityOf(nodeRegistration(join(dir, 'data')));
    const backup = new BackupExecutor(
      node,
      new FakeSnapshots([join(dir, 'data')]),
      identity,
      new ManifestCache(),
      new InFlightUploads(),
      clock,
      async () => backend,
    );
    const backupRequest = plainToInstance(BackupRequest, { type: 'backup', storageLocation: `s3://bucket/test/dc1/${HOST}` });
    const backupContext = { backupName: 'nightly-42', snapshotTag: 'nightly', clusterName: 'test', participants: [me] };
    for (const name of ['UPLOAD', 'COMMIT'])
      await backup.execute(backupRequest, phaseContext(name, { coordinatorContext: backupContext }).context);
    for (const name of await namesIn(live)) await fs.remove(join(live, name));
  });

  afterEach(() => fs.remove(dir));

  it('plans exactly what DOWNLOAD then fetches, changing nothing on disk, in the store or in Cassandra', async () => {
    const diskBefore = await tree(dir);
    const storeBefore = await storeListing(backend);
    const plan = (await phase('PLAN', { globalRequest: true })) as RestorePlanResult;
    expect(await tree(dir)).toEqual(diskBefore); // no staging directory, nothing else
    expect(await storeListing(backend)).toEqual(storeBefore);
    expect(node.callsOf('truncate')).toEqual([]);

    const staging = join(dir, 'daedalus-restore', 'op-1');
    expect(plan).toMatchObject({
      backupName: 'nightly-42',
      sourceHostId: HOST,
      schemaVersion: 'schema-1',
      strategy: 'IMPORT',
      tables: [{ keyspace: 'ks1', source: 't1', target: 't1', files: 6 }],
      truncated: ['ks1.t1'],
      staging,
      download: { files: 6, fetchFiles: 6, listTruncated: false },
    });
    expect(plan.download.bytes).toBe(plan.tables[0].bytes);
    expect(plan.download.fetchBytes).toBe(plan.download.bytes);
    expect(plan.download.list).toHaveLength(6);
    expect(plan.download.list.reduce((sum, f) => sum + f.bytes, 0)).toBe(plan.download.fetchBytes);
    expect(plan.filesystems).toHaveLength(1);
    const [disk] = plan.filesystems;
    expect(disk).toMatchObject({ path: join(staging, 'ks1', 't1'), downloadBytes: plan.download.bytes, reserveBytes: 0 });
    expect(disk.freeAfterBytes).toBe(disk.freeBytes - disk.downloadBytes);

    // the real restore's phases fetch what the plan said
    await phase('INIT', { dryRun: false });
    const download = (await phase('DOWNLOAD', { dryRun: false })) as RestoreDownloadResult;
    expect({ files: download.files, fetchFiles: download.fetchedFiles, fetchBytes: download.fetchedBytes }).toEqual({
      files: plan.download.files,
      fetchFiles: plan.download.fetchFiles,
      fetchBytes: plan.download.fetchBytes,
    });

    // planned again over the staged files: nothing left to fetch (what a DOWNLOAD run again would do)
    const again = (await phase('PLAN', { globalRequest: true })) as RestorePlanResult;
    expect(again.download).toMatchObject({ files: 6, fetchFiles: 0, fetchBytes: 0, list: [] });
  });

  it('lists at most the cap of files one by one, saying so; the counts cover them all', async () => {
    const plan = await planRestore({
      backend,
      request: request({ globalRequest: true }),
      operationId: 'op-2',
      cluster: 'test',
      location: anyStorageLocation('s3://bucket', { datacenters: ['dc1'] }),
      me: nodeRegistration(join(dir, 'data')),
      node,
      encryption: ClientEncryption.none,
      reserveBytes: 0,
      fs,
      listedFiles: 4,
    });
    expect(plan.download).toMatchObject({ files: 6, fetchFiles: 6, listTruncated: true });
    expect(plan.download.list).toHaveLength(4);
  });

  it('a node-local dry run of INIT alone truncates nothing; a rename plans the target table', async () => {
    node.schemaView = { system: ['local'], ks1: ['t1', 't9'] };
    const local = (await phase('PLAN', { restorationPhase: 'INIT' })) as RestorePlanResult;
    expect(local.truncated).toEqual([]);
    const renamed = (await phase('PLAN', {
      globalRequest: true,
      rename: { 'ks1.t1': 'ks1.t9' },
      restorationStrategyType: 'HARDLINKS',
    })) as RestorePlanResult;
    expect(renamed).toMatchObject({ strategy: 'HARDLINKS', truncated: ['ks1.t9'], tables: [{ source: 't1', target: 't9' }] });
    expect(renamed.download.list[0].table).toBe('ks1.t1 → t9');
  });

  it('fails naming every problem the restore would stop at, and still changes nothing', async () => {
    node.schemaView = { system: ['local'], ks1: [] }; // the target table is gone
    node.mode = 'JOINING';
    reserveBytes = Number.MAX_SAFE_INTEGER; // and no disk has that much free
    const diskBefore = await tree(dir);
    const refusal = phase('PLAN', { globalRequest: true });
    await expect(refusal).rejects.toThrow(OperationRejectedError);
    await expect(refusal).rejects.toThrow(
      /^dry run: the restore would fail on this node: the node is JOINING, not NORMAL; target table\(s\) ks1\.t1 do not exist: create them first; not enough free disk space at /,
    );
    expect(await tree(dir)).toEqual(diskBefore);
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

    it('plans the files removed and added in the live directories, changing nothing; the real run does just that', async () => {
      await writeSSTable(live, 3, 'written after the backup'); // not in the backup: IN_PLACE removes it
      stopped();
      const before = await tree(dir);
      const plan = (await phase('PLAN', { restorationStrategyType: 'IN_PLACE', updateCassandraYaml: true })) as RestorePlanResult;
      expect(await tree(dir)).toEqual(before);
      const strays = (await namesIn(live)).map((name) => join(live, name));
      expect(plan).toMatchObject({
        strategy: 'IN_PLACE',
        schemaVersion: null,
        staging: null,
        truncated: [],
        download: { files: 6, fetchFiles: 6 },
        inPlace: {
          replaced: ['ks1.t1'],
          removeFiles: strays.length,
          removeListTruncated: false,
          setAside: [join(dir, 'commitlog')], // hints and saved caches: none without $CASSANDRA_HOME
          cassandraYaml: join(dir, 'conf', 'cassandra.yaml'),
        },
      });
      expect([...plan.inPlace!.removeList].sort()).toEqual(strays.sort());
      expect(plan.filesystems[0].removeBytes).toBe(plan.inPlace?.removeBytes);
      expect(plan.filesystems[0].freeAfterBytes).toBe(
        plan.filesystems[0].freeBytes + plan.filesystems[0].removeBytes - plan.download.fetchBytes,
      );

      stopped(); // (the fake answers again once a failure was seen)
      const done = (await phase('IN_PLACE', { restorationStrategyType: 'IN_PLACE', dryRun: false })) as RestoreInPlaceResult;
      expect({ files: done.files, fetchFiles: done.fetchedFiles, fetchBytes: done.fetchedBytes, removeFiles: done.removedFiles }).toEqual({
        files: plan.download.files,
        fetchFiles: plan.download.fetchFiles,
        fetchBytes: plan.download.fetchBytes,
        removeFiles: plan.inPlace?.removeFiles,
      });
    });

    it('reports a running node, as the real run refuses it', async () => {
      await expect(phase('PLAN', { restorationStrategyType: 'IN_PLACE' })).rejects.toThrow(
        /dry run: the restore would fail on this node: the node answers over JMX: an IN_PLACE restore needs Cassandra stopped/,
      );
    });
  });

  it('reports a backup that does not exist, and an entity the backup does not hold', async () => {
    await expect(phase('PLAN', { snapshotTag: 'nope' })).rejects.toThrow(
      /dry run: the restore would fail on this node: no complete backup named or tagged "nope"/,
    );
    await expect(phase('PLAN', { entities: 'ks1.t7' })).rejects.toThrow(
      /dry run: the restore would fail on this node: the backup holds no ks1\.t7/,
    );
  });
});
