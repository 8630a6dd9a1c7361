/**
 * The same cluster-wide backup against each storage emulator: S3 (s3rver), Azure Blob (Azurite) and the GCS
 * JSON API fake. One system serves all three: each SDK finds its endpoint in the agents' environment, and
 * credentials reach it only that way, as in production. Objects are read back through the storage library.
 */
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openProvider, StorageBackend } from '@daedalus/storage';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { DaedalusSystem } from '../support/system';
import { EmulatorKind, startEmulator, StorageEmulator } from '../storage/emulators';
import { filesUnder, ManifestDoc, runBackup, sha256File } from './backup-support';
import { sha256OfStream } from '../storage/support';

const CLUSTER = 'daedalus-test';

describe('cluster-wide backup to each storage emulator', () => {
  let dir: string;
  let emulators: ProcessGroup;
  let system: DaedalusSystem;
  let env: NodeJS.ProcessEnv;
  const running = new Map<EmulatorKind, StorageEmulator>();

  beforeAll(async () => {
    dir = makeTempDir('emulators');
    emulators = new ProcessGroup(dir);
    for (const kind of ['s3', 'azure', 'gcs'] as const) running.set(kind, await startEmulator(kind, emulators, join(dir, kind)));
    env = Object.assign({}, ...[...running.values()].map((emulator) => emulator.env));
    // the test reads objects back through the same SDKs, whose credential chains read this process's environment
    Object.assign(process.env, env);
    system = await DaedalusSystem.start({ nodes: 3, coordinators: 2, env });
    await system.createTables('shop', ['orders'], 300);
    for (const node of system.nodes) {
      await system.simOf(node).generateSSTables('shop', 'orders', 2, 2 * 1024 * 1024);
    }
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await emulators?.stopAll();
    if (dir) removeDir(dir);
  }, 60_000);

  async function read(backend: StorageBackend, key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of (await backend.get(key)) as Readable) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  it.each([
    ['s3', 's3://backups-s3'],
    ['azure', 'azure://backups-azure'],
    ['gcs', 'gcp://backups-gcs'],
  ])('backs up to %s: every object hashes to its source file and the cluster record is written', async (name, location) => {
    const { operation, backupName } = await runBackup(system, {
      storageLocation: location,
      snapshotTag: name,
      createMissingBucket: true,
      keepSnapshot: true,
    });
    expect(operation.errors).toEqual([]);
    expect(operation.state).toBe('COMPLETED');

    const backend = openProvider(location, { env: { ...process.env, ...env } });
    try {
      expect(await backend.stat(`${CLUSTER}/backups/${backupName}.json`)).toBeDefined();
      for (const node of system.nodes) {
        const manifest = JSON.parse(
          (await read(backend, `${CLUSTER}/dc1/${node.hostId}/manifests/${backupName}.json`)).toString('utf8'),
        ) as ManifestDoc;
        const onDisk = new Map<string, string>();
        for (const path of await filesUnder(join(node.home, 'data', 'data', 'shop'))) {
          const match = new RegExp(`/snapshots/${backupName}/(.+)$`).exec(path);
          if (match && !['manifest.json', 'schema.cql'].includes(match[1])) onDisk.set(match[1], await sha256File(path));
        }
        const files = manifest.tables.flatMap((t) => t.files);
        expect(files.map((f) => f.name).sort()).toEqual([...onDisk.keys()].sort());
        for (const file of files) {
          const stored = await sha256OfStream(await backend.get(file.key));
          expect({ name: file.name, stored: stored.sha256, size: stored.size }).toEqual({
            name: file.name,
            stored: onDisk.get(file.name),
            size: file.size,
          });
        }
      }
    } finally {
      await backend.close();
    }
    const listed = await system.get(`/backups?storageLocation=${encodeURIComponent(location)}`);
    expect(listed.status).toBe(200);
    expect((listed.body as Array<{ name: string; complete: boolean }>).find((b) => b.name === backupName)).toMatchObject({
      complete: true,
    });
  });
});
