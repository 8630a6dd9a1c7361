import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { NodeRegistration, SCHEMA_VERSION, StoredPhaseResults } from '@daedalus/contracts';
import { CassandraSnapshots } from '../../cassandra/snapshots';
import { NodeRegistrationService } from '../../registration/node-registration.service';
import { ExecutionContext } from '../executor';
import { recordingContext } from './recording-context';

/** Fixtures for the unit specs of the executors that work on a node's files (backup, restore). */
export const HOST = '00000000-0000-4000-8000-000000000001';
export const TABLE_ID = '0123456789abcdef0123456789abcdef';

/** A minimal SSTable as Cassandra names it: Data.db plus the Digest.crc32 that identifies its content. */
export function writeSSTable(dir: string, generation: number, content: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `nb-${generation}-big-Data.db`), content);
  writeFileSync(join(dir, `nb-${generation}-big-Digest.crc32`), String(crc32(Buffer.from(content))));
  writeFileSync(join(dir, `nb-${generation}-big-TOC.txt`), 'Data.db\nDigest.crc32\nTOC.txt\n');
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

  private tableDirs(keyspaces: string[]): string[] {
    return this.dataDirs.flatMap((data) =>
      keyspaces.flatMap((ks) => (existsSync(join(data, ks)) ? readdirSync(join(data, ks)).map((t) => join(data, ks, t)) : [])),
    );
  }

  async take(tag: string, entities: string[]): Promise<boolean> {
    this.taken.push(tag);
    let fresh = true;
    for (const dir of this.tableDirs([...new Set(entities.map((e) => e.split('.')[0]))])) {
      const target = join(dir, 'snapshots', tag);
      if (existsSync(target)) fresh = false;
      mkdirSync(target, { recursive: true });
      for (const name of readdirSync(dir)) if (statSync(join(dir, name)).isFile()) copyFileSync(join(dir, name), join(target, name));
    }
    return fresh;
  }

  async clear(tag: string, keyspaces: string[]): Promise<void> {
    this.cleared.push(tag);
    for (const dir of this.tableDirs(keyspaces)) rmSync(join(dir, 'snapshots', tag), { recursive: true, force: true });
  }
}

/** What Cassandra's import does to the files: moves every component into the live directory under a new generation. */
export function movingImport(live: string) {
  let generation = 100;
  return async (_keyspace: string, _table: string, directories: string[]) => {
    for (const dir of directories) {
      const sstables = new Set(
        readdirSync(dir)
          .filter((n) => n.endsWith('-Data.db'))
          .map((n) => n.replace(/-Data\.db$/, '')),
      );
      for (const sstable of sstables) {
        generation++;
        for (const name of readdirSync(dir).filter((n) => n.startsWith(`${sstable}-`))) {
          renameSync(join(dir, name), join(live, name.replace(sstable, `nb-${generation}-big`)));
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
