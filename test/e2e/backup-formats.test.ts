/**
 * Backup and restore of a Cassandra 5.0 node with the `bti` format, UUID-style SSTable ids and two data
 * directories: every component (zero-byte ones included) from both directories is in the manifest with the
 * right hash, and a restore brings the content back.
 */
import { join } from 'node:path';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { filesUnder, ManifestDoc, readJson, runBackup, sha256File } from './backup-support';

describe('backup and restore of a 5.0 node: bti, UUID ids, two data directories', () => {
  let dir: string;
  let system: DaedalusSystem;
  let dataDirs: string[];
  const location = () => `file://${join(dir, 'store')}/bucket`;
  const checksum = async () => String(await system.simOf(system.nodes[0]).checksum('fmt', 't1'));

  async function flush(): Promise<void> {
    const response = await system.post('/operations', { type: 'flush', keyspace: 'fmt', globalRequest: true });
    expect((await system.waitForOperation((response.body as OperationView).id)).state).toBe('COMPLETED');
  }

  beforeAll(async () => {
    dir = makeTempDir('formats');
    dataDirs = [join(dir, 'data1'), join(dir, 'data2')];
    system = await DaedalusSystem.start({
      nodes: 1,
      coordinators: 1,
      cassandraVersion: '5.0',
      simulatorArgs: ['--sstable-format', 'bti', '--uuid-sstable-ids'],
      dataDirs: [dataDirs],
    });
    await system.createTables('fmt', ['t1'], 0);
    // two flushes: Cassandra spreads SSTables over the data directories
    for (const seed of [1, 2]) {
      await system.simOf(system.nodes[0]).writeRows('fmt', 't1', 100, seed);
      await flush();
    }
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    if (dir) removeDir(dir);
  }, 60_000);

  it('backs up every component from both data directories and restores the content', async () => {
    const atBackup = await checksum();
    const { operation, backupName } = await runBackup(system, {
      storageLocation: location(),
      snapshotTag: 'fmt',
      createMissingBucket: true,
      keepSnapshot: true,
    });
    expect(operation.errors).toEqual([]);
    expect(operation.state).toBe('COMPLETED');

    const onDisk = new Map<string, { sha256: string; dataDir: string }>();
    for (const dataDir of dataDirs) {
      for (const path of await filesUnder(join(dataDir, 'fmt'))) {
        const match = new RegExp(`/snapshots/${backupName}/(.+)$`).exec(path);
        if (match && !['manifest.json', 'schema.cql'].includes(match[1])) onDisk.set(match[1], { sha256: await sha256File(path), dataDir });
      }
    }
    expect(new Set([...onDisk.values()].map((f) => f.dataDir)).size).toBe(2);
    const node = system.nodes[0];
    const manifest = await readJson<ManifestDoc>(
      join(dir, 'store', 'bucket', 'daedalus-test', 'dc1', node.hostId, 'manifests', `${backupName}.json`),
    );
    const files = manifest.tables.flatMap((t) => t.files);
    expect(files.map((f) => f.name).sort()).toEqual([...onDisk.keys()].sort());
    for (const file of files)
      expect({ name: file.name, sha256: file.sha256 }).toEqual({ name: file.name, sha256: onDisk.get(file.name)?.sha256 });
    expect(files.every((f) => /^da-[0-9a-z_]{28}-bti-/.test(f.name))).toBe(true);
    expect(files.some((f) => f.size === 0)).toBe(true);
    expect(files.some((f) => f.name.endsWith('-Partitions.db'))).toBe(true);

    await system.simOf(node).writeRows('fmt', 't1', 50, 3);
    await flush();
    expect(await checksum()).not.toBe(atBackup);
    const response = await system.post('/operations', {
      type: 'restore',
      globalRequest: true,
      storageLocation: location(),
      snapshotTag: backupName,
    });
    const restored = await system.waitForOperation((response.body as OperationView).id, undefined, 120_000);
    expect(restored.errors).toEqual([]);
    expect(restored.state).toBe('COMPLETED');
    expect(await checksum()).toBe(atBackup);

    // HARDLINKS with UUID ids: links keep the staged ids, so the live directory must be the table's own
    await system.simOf(node).writeRows('fmt', 't1', 50, 4);
    await flush();
    const linkedResponse = await system.post('/operations', {
      type: 'restore',
      globalRequest: true,
      storageLocation: location(),
      snapshotTag: backupName,
      restorationStrategyType: 'HARDLINKS',
    });
    const linked = await system.waitForOperation((linkedResponse.body as OperationView).id, undefined, 120_000);
    expect(linked.errors).toEqual([]);
    expect(linked.state).toBe('COMPLETED');
    expect(await checksum()).toBe(atBackup);
  });
});
