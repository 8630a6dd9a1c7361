import { Readable } from 'node:stream';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import {
  BackupRequest,
  foldRestoreLedger,
  OperationRecord,
  RestoreContext,
  RestoreLedgerFact,
  RestoreRequest,
  StoredPhaseResults,
} from '@daedalus/contracts';
import { OperationStore } from '@daedalus/messaging';
import { MemoryBackend } from '@daedalus/storage';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { dataWalker } from '../../cassandra/data-directories';
import { InFlightUploads } from '../../repository/in-flight-uploads';
import { ManifestCache } from '../../repository/manifest-store';
import { BackupExecutor } from '../backup/backup.executor';
import { honoursCancel, OperationRejectedError } from '../executor';
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
import { BackupLayout } from '../../repository/backup-layout';
import { RestoreExecutor } from './restore.executor';
import { RestoreLedger } from './restore-ledger';
import { LocalImportLedger } from './local-import-ledger';

const MANIFEST = `test/dc1/${HOST}/manifests/nightly-42.json`;
const me = { hostId: HOST, address: '127.0.0.1', dc: 'dc1' };
const coordination: RestoreContext = { clusterName: 'test', participants: [me] };
const NOW = Date.parse('2026-03-01T12:00:00Z');

/** The node-local copy of a global restore of everything in backup nightly-42. */
const request = (fields: Partial<RestoreRequest> = {}) =>
  plainToInstance(RestoreRequest, {
    type: 'restore',
    storageLocation: 's3://bucket',
    snapshotTag: 'nightly-42',
    globalRequest: false,
    hostId: HOST,
    ...fields,
  });

/**
 * The operation record as the agent reads it. It has no way to write one: the coordinators keep the ledger,
 * folding the facts the agent reports (`reportLedger`), which `fold` does here when a test wants it.
 */
function recordStore() {
  let record = { id: 'op-1', type: 'restore', phase: 'INIT' } as OperationRecord;
  const operations = { getTrusted: async () => ({ record }) } as unknown as OperationStore;
  return {
    operations,
    record: () => record,
    set: (fields: Partial<OperationRecord>) => (record = { ...record, ...fields }),
    fold: (facts: RestoreLedgerFact[]) =>
      (record = { ...record, restoreLedger: foldRestoreLedger(record.restoreLedger, HOST, facts) ?? record.restoreLedger }),
  };
}

describe('RestoreExecutor', () => {
  let dir: string;
  let live: string;
  let node: FakeCassandraNode;
  let snapshots: FakeSnapshots;
  let store: ReturnType<typeof recordStore>;
  let executor: RestoreExecutor;
  let clock: ManualClock;
  let results: StoredPhaseResults;
  let backend: MemoryBackend;

  /** The ledger facts the agent reported, in order (what its signed events carried). */
  let reported: RestoreLedgerFact[];

  /**
   * Runs one phase as the coordinator would command it, keeping its result for the later phases; with `fold`,
   * the coordinator folds the facts the phase reported into the record's ledger (else it has not yet).
   */
  async function phase(name: string, fields: Partial<RestoreRequest> = {}, fold = true): Promise<unknown> {
    store.set({ phase: name });
    const { context, facts } = phaseContext(name, { coordinatorContext: coordination, phaseResults: results });
    try {
      const result = await executor.execute(request(fields), context);
      results = { ...results, [name]: { [HOST]: result } };
      return result;
    } finally {
      reported.push(...facts);
      if (fold) store.fold(facts);
    }
  }

  beforeEach(async () => {
    dir = await fs.makeTemporaryDirectory('restore-spec');
    clock = new ManualClock(NOW);
    const data = join(dir, 'data');
    live = join(data, 'ks1', `t1-${TABLE_ID}`);
    await writeSSTable(live, 1, 'first');
    await writeSSTable(live, 2, 'second');
    node = new FakeCassandraNode({ clock }); // its truncate's auto_snapshot is named by the restore's clock
    node.schemaView = { system: ['local'], ks1: ['t1'] };
    node.dataPaths['ks1.t1'] = [live];
    node.loadEffect = async (keyspace, table, directories) => {
      await movingImport(live)(keyspace, table, directories);
      node.liveCounts['ks1.t1'] = (await dataFiles(live)).length;
    };
    snapshots = new FakeSnapshots([data]);
    backend = new MemoryBackend();
    const identity = identityOf(nodeRegistration(data));

    // the backup to restore, taken by the backup executor into the same store
    const backup = new BackupExecutor(node, snapshots, identity, new ManifestCache(), new InFlightUploads(), clock, async () => backend);
    const backupRequest = plainToInstance(BackupRequest, { type: 'backup', storageLocation: `s3://bucket/test/dc1/${HOST}` });
    const backupContext = { backupName: 'nightly-42', snapshotTag: 'nightly', clusterName: 'test', participants: [me] };
    for (const name of ['UPLOAD', 'COMMIT']) {
      await backup.execute(backupRequest, phaseContext(name, { coordinatorContext: backupContext }).context);
    }
    // then the table lost its data
    for (const name of await namesIn(live)) await fs.remove(join(live, name));

    store = recordStore();
    const settings = { configDir: join(dir, 'conf'), reserveBytes: 0 };
    executor = new RestoreExecutor(node, snapshots, identity, new RestoreLedger(store.operations), settings, clock, async () => backend);
    results = {};
    reported = [];
  });

  afterEach(() => fs.remove(dir));

  it('runs INIT → DOWNLOAD → TRUNCATE → IMPORT → CLEANUP, each phase reading what the earlier ones returned', async () => {
    const staging = join(dir, 'daedalus-restore', 'op-1');
    expect(await phase('INIT')).toEqual({
      backupName: 'nightly-42',
      sourceHostId: HOST,
      manifestKey: MANIFEST,
      schemaVersion: 'schema-1',
      tables: [{ keyspace: 'ks1', source: 't1', target: 't1', bytes: expect.any(Number) }],
    });
    expect(await phase('DOWNLOAD')).toEqual({ staging, files: 6, fetchedFiles: 6, fetchedBytes: expect.any(Number) });
    expect(await dataFiles(join(staging, 'ks1', 't1'))).toHaveLength(2);

    clock.advance(5_000);
    const truncation = (await phase('TRUNCATE')) as { startedAt: number };
    expect(truncation).toEqual({ truncated: ['ks1.t1'], startedAt: NOW + 5_000 });
    expect(node.callsOf('truncate')).toEqual([['ks1', 't1']]);
    expect(reported).toEqual([{ done: 'truncated', table: 'ks1.t1' }]);

    expect(await phase('IMPORT')).toEqual({ imported: ['ks1.t1'] });
    expect(await dataFiles(live)).toHaveLength(2);
    expect(reported).toEqual([
      { done: 'truncated', table: 'ks1.t1' },
      { done: 'imported', table: 'ks1.t1' },
    ]);
    expect(store.record().restoreLedger).toEqual({ truncated: ['ks1.t1'], imported: { [HOST]: ['ks1.t1'] } });
    expect(await fs.readText(LocalImportLedger.fileOf(staging, 'op-1', HOST))).toBe('["ks1.t1"]');

    // Cassandra's auto_snapshot of the truncate this restore made: CLEANUP clears it, and leaves one of an earlier truncate
    const tag = `truncated-${truncation.startedAt}-t1`;
    expect(await dataWalker.snapshotTags(live)).toEqual([tag]);
    await fs.makeDirectory(join(live, 'snapshots', `truncated-${truncation.startedAt - 1}-t1`));
    expect(await phase('CLEANUP')).toEqual({ removed: [staging], clearedSnapshots: [tag] });
    expect(await fs.stat(staging)).toBeUndefined();
    expect(snapshots.cleared).toContain(tag);
  });

  it("holds a read lease on the backup from INIT to DOWNLOAD's end, and refuses a backup a removal tombstoned", async () => {
    const lease = BackupLayout.restoreLease('test', 'nightly-42', 'op-1', HOST);
    await phase('INIT');
    expect(backend.objects.has(lease)).toBe(true);
    await phase('DOWNLOAD');
    expect(backend.objects.has(lease)).toBe(false);

    await backend.put(BackupLayout.tombstone('test', 'nightly-42'), () => Readable.from([Buffer.from('{}')]));
    await expect(phase('INIT', { snapshotTag: 'nightly-42' })).rejects.toThrow(/no complete backup|being removed/);
    expect(backend.objects.has(lease)).toBe(false);
  });

  it('truncates only while the record is in TRUNCATE, and a table the ledger lists not again', async () => {
    await phase('INIT');
    store.set({ restoreLedger: { truncated: ['ks1.t1'], imported: {} } });
    expect(await phase('TRUNCATE')).toMatchObject({ truncated: ['ks1.t1'] });
    expect(node.callsOf('truncate')).toEqual([]);

    store.set({ restoreLedger: undefined });
    const late = phaseContext('TRUNCATE', { coordinatorContext: coordination, phaseResults: results }).context;
    store.set({ phase: 'IMPORT' });
    await expect(executor.execute(request(), late)).rejects.toThrow(
      new OperationRejectedError('the restore has left its TRUNCATE phase: not truncating again'),
    );
    expect(node.callsOf('truncate')).toEqual([]);
  });

  it('truncates again in TRUNCATE a table whose fact was not folded yet (harmless: IMPORT has not started)', async () => {
    await phase('INIT');
    await phase('TRUNCATE', {}, false);
    await phase('TRUNCATE', {}, false);
    expect(node.callsOf('truncate')).toEqual([
      ['ks1', 't1'],
      ['ks1', 't1'],
    ]);
    store.fold(reported);
    await phase('TRUNCATE');
    expect(node.callsOf('truncate')).toHaveLength(2);
  });

  it('does not go on when a truncation cannot be reported: the phase fails before the next table', async () => {
    await phase('INIT');
    store.set({ phase: 'TRUNCATE' });
    const { context } = phaseContext('TRUNCATE', { coordinatorContext: coordination, phaseResults: results });
    await expect(
      executor.execute(request(), { ...context, reportLedger: () => Promise.reject(new Error('no JetStream ack')) }),
    ).rejects.toThrow('no JetStream ack');
    expect(node.callsOf('truncate')).toEqual([['ks1', 't1']]);
  });

  it('never imports a table twice when a redelivered IMPORT finds it in its local ledger but not in the record', async () => {
    await phase('INIT');
    await phase('DOWNLOAD');
    await phase('TRUNCATE');
    // the import happens, and the fact's publication fails (no ack): the command is redelivered
    store.set({ phase: 'IMPORT' });
    const { context } = phaseContext('IMPORT', { coordinatorContext: coordination, phaseResults: results });
    await expect(
      executor.execute(request(), { ...context, reportLedger: () => Promise.reject(new Error('no JetStream ack')) }),
    ).rejects.toThrow('no JetStream ack');
    expect(node.callsOf('importNewSSTables')).toHaveLength(1);
    expect(store.record().restoreLedger?.imported).toEqual({});

    // the redelivered IMPORT: no second import, and the fact is reported again for the coordinators to fold
    expect(await phase('IMPORT')).toEqual({ imported: ['ks1.t1'] });
    expect(node.callsOf('importNewSSTables')).toHaveLength(1);
    expect(reported.at(-1)).toEqual({ done: 'imported', table: 'ks1.t1' });
    expect(store.record().restoreLedger?.imported).toEqual({ [HOST]: ['ks1.t1'] });
  });

  it('refuses a local import ledger that is not a list of tables rather than importing again', async () => {
    await phase('INIT');
    await phase('DOWNLOAD');
    await phase('TRUNCATE');
    const file = LocalImportLedger.fileOf(join(dir, 'daedalus-restore', 'op-1'), 'op-1', HOST);
    await fs.makeDirectory(join(file, '..'));
    await fs.write(file, '{"ks1.t1": true}');
    await expect(phase('IMPORT')).rejects.toThrow(/is not a list of imported tables/);
    expect(node.callsOf('importNewSSTables')).toEqual([]);
  });

  it('refuses to TRUNCATE without the INIT results that say which tables', async () => {
    await expect(phase('TRUNCATE')).rejects.toThrow(new OperationRejectedError('no INIT results to know which tables to truncate'));
  });

  it('skips in IMPORT the tables the ledger marks imported by this node (a repeated or resumed IMPORT)', async () => {
    await phase('INIT');
    await phase('DOWNLOAD');
    store.set({ restoreLedger: { truncated: ['ks1.t1'], imported: { [HOST]: ['ks1.t1'] } } });
    expect(await phase('IMPORT')).toEqual({ imported: ['ks1.t1'] });
    expect(node.callsOf('importNewSSTables')).toEqual([]);
  });

  it('runs a single-phase IMPORT (finishing an interrupted restore) from the staged layout, without INIT results', async () => {
    await phase('INIT');
    await phase('DOWNLOAD');
    results = {};
    expect(await phase('IMPORT', { restorationPhase: 'IMPORT' })).toEqual({ imported: ['ks1.t1'] });
    expect(await dataFiles(live)).toHaveLength(2);
  });

  it('honours a cancel before TRUNCATE only, as the restore protocol says, and needs a named phase', async () => {
    expect(['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP', 'IN_PLACE'].map((p) => honoursCancel(executor, p))).toEqual([
      true,
      true,
      false,
      false,
      false,
      true,
    ]);
    await expect(executor.execute(request(), phaseContext(undefined).context)).rejects.toThrow(
      new OperationRejectedError('unknown restore phase (none)'),
    );
  });
});
