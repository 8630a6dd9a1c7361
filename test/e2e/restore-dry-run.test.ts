/**
 * A restore's dry run (`dryRun: true`) on a simulated 3-node cluster: it answers each node's plan through
 * GET /operations/{id} and changes nothing — the nodes' files (data and staging roots), the store and
 * Cassandra's tables are as before; the plan's files and bytes are what the real restore then downloads; a
 * dry run that would fail (a table the backup does not hold) says so, again changing nothing.
 */
import { join, relative } from 'node:path';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { filesUnder, runBackup, runOperation, sha256File } from './backup-support';

interface Plan {
  backupName: string;
  truncated: string[];
  staging: string;
  download: {
    files: number;
    bytes: number;
    fetchFiles: number;
    fetchBytes: number;
    list: Array<{ bytes: number }>;
    listTruncated: boolean;
  };
  filesystems: Array<{ freeBytes: number; downloadBytes: number; freeAfterBytes: number }>;
}

interface Download {
  files: number;
  fetchedFiles: number;
  fetchedBytes: number;
}

describe('restore dry run', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  let backupName: string;

  /** Every file under `dir` with its sha256, relative to it: what "unchanged" compares. */
  const hashes = async (dir: string): Promise<Record<string, string>> =>
    Object.fromEntries(
      await Promise.all((await filesUnder(dir)).sort().map(async (path) => [relative(dir, path), await sha256File(path)])),
    );
  /** The nodes' files (data directories and the staging roots beside them) and the store. */
  const everything = async () => ({
    nodes: await Promise.all(system.nodes.map((node) => hashes(join(node.home, 'data')))),
    store: await hashes(storeRoot),
  });
  const truncations = async () => Promise.all(system.nodes.map((node) => system.simOf(node).truncationCount('shop', 'orders')));

  const restore = (body: Record<string, unknown>): Promise<OperationView> =>
    runOperation(system, { type: 'restore', storageLocation: location, snapshotTag: backupName, globalRequest: true, ...body });

  beforeAll(async () => {
    storeRoot = makeTempDir('restore-dry-run-store');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({ nodes: 3, coordinators: 1 });
    await system.createTables('shop', ['orders'], 60);
    const flush = await system.post('/operations', { type: 'flush', keyspace: 'shop', globalRequest: true });
    await system.waitForOperation((flush.body as OperationView).id);
    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'base', createMissingBucket: true });
    expect(backup.operation.state).toBe('COMPLETED');
    backupName = backup.backupName;
    // a table created after the backup: it exists (the gateway accepts naming it) but the backup has none of it
    await system.simOf(system.nodes[0]).createTable('shop', 'later');
    await system.waitForSchema('shop', ['orders', 'later']);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  it('answers every node’s plan and changes nothing; the real restore then downloads exactly what it planned', async () => {
    const before = await everything();
    const truncationsBefore = await truncations();
    const dry = await restore({ entities: 'shop.orders', dryRun: true });
    expect(dry.errors).toEqual([]);
    expect(dry.state).toBe('COMPLETED');
    expect(dry.phases).toEqual(['PLAN']);
    expect(await everything()).toEqual(before);
    expect(await truncations()).toEqual(truncationsBefore);

    // shown through the API like any result
    const shown = (await system.get(`/operations/${dry.id}`)).body as OperationView;
    const plans = (shown.response as { PLAN: Record<string, Plan> }).PLAN;
    expect(Object.keys(plans).sort()).toEqual(system.nodes.map((n) => n.hostId).sort());
    for (const plan of Object.values(plans)) {
      expect(plan).toMatchObject({ backupName, truncated: ['shop.orders'], download: { listTruncated: false } });
      expect(plan.staging).toContain(dry.id);
      expect(plan.download.fetchFiles).toBeGreaterThan(0);
      expect(plan.download.list.reduce((sum, f) => sum + f.bytes, 0)).toBe(plan.download.fetchBytes);
      const downloading = plan.filesystems.reduce((sum, fs) => sum + fs.downloadBytes, 0);
      expect(downloading).toBe(plan.download.fetchBytes);
      for (const fs of plan.filesystems) expect(fs.freeAfterBytes).toBe(fs.freeBytes - fs.downloadBytes);
    }

    const real = await restore({ entities: 'shop.orders' });
    expect(real.errors).toEqual([]);
    expect(real.state).toBe('COMPLETED');
    const downloads = (real.response as { DOWNLOAD: Record<string, Download> }).DOWNLOAD;
    for (const [hostId, plan] of Object.entries(plans)) {
      const done = downloads[hostId];
      expect({ files: done.files, fetchFiles: done.fetchedFiles, fetchBytes: done.fetchedBytes }).toEqual({
        files: plan.download.files,
        fetchFiles: plan.download.fetchFiles,
        fetchBytes: plan.download.fetchBytes,
      });
    }
  });

  it('a dry run that would fail names the problem on every node and changes nothing', async () => {
    const before = await everything();
    const dry = await restore({ entities: 'shop.later', dryRun: true });
    expect(dry.state).toBe('FAILED');
    expect(dry.errors).toHaveLength(3);
    for (const error of dry.errors) {
      expect(error.message).toMatch(/dry run: the restore would fail on this node: the backup holds no shop\.later \(phase PLAN\)/);
    }
    expect(await everything()).toEqual(before);
  });
});
