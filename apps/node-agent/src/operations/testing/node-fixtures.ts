import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { NodeRegistration, SCHEMA_VERSION, StoredPhaseResults } from '@daedalus/contracts';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { CassandraSnapshots } from '../../cassandra/snapshots';
import { NodeRegistrationService } from '../../registration/node-registration.service';
import { ExecutionContext } from '../executor';
import { agentRoots } from '../../paths/agent-roots';
import { recordingContext } from './recording-context';

/** Fixtures for the unit specs of the executors that work on a node's files (backup, restore). */
export const HOST = '00000000-0000-4000-8000-000000000001';
export const TABLE_ID = '0123456789abcdef0123456789abcdef';

/** A minimal SSTable as Cassandra names it: Data.db plus the Digest.crc32 that identifies its content. */
export async function writeSSTable(dir: string, generation: number, content: string): Promise<void> {
  await fs.makeDirectory(dir);
  await fs.write(join(dir, `nb-${generation}-big-Data.db`), content);
  await fs.write(join(dir, `nb-${generation}-big-Digest.crc32`), String(crc32(Buffer.from(content))));
  await fs.write(join(dir, `nb-${generation}-big-TOC.txt`), 'Data.db\nDigest.crc32\nTOC.txt\n');
}

/** The names in a directory, sorted (none when it does not exist). */
export async function namesIn(dir: string): Promise<string[]> {
  return (await fs.list(dir)).map((entry) => entry.name);
}

/** The Data.db files in a directory: one per SSTable. */
export async function dataFiles(dir: string): Promise<string[]> {
  return (await namesIn(dir)).filter((name) => name.endsWith('-Data.db'));
}

export function nodeRegistration(dataDir: string): NodeRegistration {
  return {
    schemaVersion: SCHEMA_VERSION,
    hostId: HOST,
    address: '127.0.0.1',
    dc: 'dc1',
    rack: 'rack1',
    tokens: ['1'],
    clusterName: 'test',
    cassandraVersion: '4.1.7',
    schemaVersionId: 'schema-1',
    operationMode: 'NORMAL',
    dataDirectories: [dataDir],
    roots: agentRoots({ fileStoreRoots: [], importRoots: [], stagingRoots: [], configRoots: [], cassandraConfigDir: '/etc/cassandra' }, [
      dataDir,
    ]),
    agentVersion: '0.1.0',
    startedAt: new Date(0).toISOString(),
    heartbeatAt: new Date(0).toISOString(),
  };
}

/** The agent's idea of who it is, without registering anywhere. */
export function identityOf(registration: NodeRegistration): NodeRegistrationService {
  return { current: registration } as unknown as NodeRegistrationService;
}

/** Snapshots as Cassandra takes them: the table directories' SSTable files, copied under snapshots/<tag>/. */
export class FakeSnapshots extends CassandraSnapshots {
  readonly taken: string[] = [];
  readonly cleared: string[] = [];

  constructor(private readonly dataDirs: string[]) {
    super();
  }

  private async tableDirs(keyspaces: string[]): Promise<string[]> {
    const dirs: string[] = [];
    for (const data of this.dataDirs)
      for (const ks of keyspaces) for (const t of await namesIn(join(data, ks))) dirs.push(join(data, ks, t));
    return dirs;
  }

  async take(tag: string, entities: string[]): Promise<boolean> {
    this.taken.push(tag);
    let fresh = true;
    for (const dir of await this.tableDirs([...new Set(entities.map((e) => e.split('.')[0]))])) {
      const target = join(dir, 'snapshots', tag);
      if (await fs.stat(target)) fresh = false;
      await fs.makeDirectory(target);
      for (const entry of await fs.list(dir)) {
        if (!entry.isFile) continue;
        await fs.remove(join(target, entry.name)); // a snapshot taken again overwrites its files
        await fs.copy(join(dir, entry.name), join(target, entry.name));
      }
    }
    return fresh;
  }

  async clear(tag: string, keyspaces: string[]): Promise<void> {
    this.cleared.push(tag);
    for (const dir of await this.tableDirs(keyspaces)) await fs.remove(join(dir, 'snapshots', tag));
  }
}

/** What Cassandra's import does to the files: moves every component into the live directory under a new generation. */
export function movingImport(live: string) {
  let generation = 100;
  return async (_keyspace: string, _table: string, directories: string[]) => {
    for (const dir of directories) {
      const sstables = new Set((await dataFiles(dir)).map((n) => n.replace(/-Data\.db$/, '')));
      for (const sstable of sstables) {
        generation++;
        for (const name of (await namesIn(dir)).filter((n) => n.startsWith(`${sstable}-`))) {
          await fs.rename(join(dir, name), join(live, name.replace(sstable, `nb-${generation}-big`)));
        }
      }
    }
  };
}

/** An execution context as the command handler builds it from a command of `phase`. */
export function phaseContext(
  phase: string | undefined,
  fields: { coordinatorContext?: Record<string, unknown>; phaseResults?: StoredPhaseResults } = {},
): ReturnType<typeof recordingContext> & { context: ExecutionContext } {
  const recording = recordingContext();
  return { ...recording, context: { ...recording.context, phase, ...fields } };
}
