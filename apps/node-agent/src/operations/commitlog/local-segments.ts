import { basename, dirname, join } from 'node:path';
import {
  ARCHIVING_PROPERTIES_FILE,
  archiveDirectoryOf,
  CommitLogBackupRequest,
  parseArchivingProperties,
  parseSegmentName,
  SegmentName,
} from '@daedalus/contracts';
import { FileSystem, localFileSystem } from '../../adapters/filesystem';
import { readCassandraLayout } from '../../cassandra/cassandra-yaml';
import { confine } from '../../paths/confinement';
import { OperationRejectedError } from '../executor';

/** A segment file on this node that a commitlog-backup may upload. */
export interface LocalSegment extends SegmentName {
  path: string;
  size: number;
  mtimeMs: number;
  source: 'archive' | 'commitlog';
}

export interface NodeDirectories {
  configDir: string;
  cassandraHome?: string;
  /** the agent's commitLog roots: derived directories (from the properties file, cassandra.yaml) must lie in them too */
  commitLogRoots: readonly string[];
}

/** The segment files directly in `dir` (anything else there is not a segment and is left alone). */
async function segmentsIn(fs: FileSystem, dir: string, source: LocalSegment['source']): Promise<LocalSegment[]> {
  const out: LocalSegment[] = [];
  for (const entry of await fs.listExisting(dir)) {
    const name = entry.isFile ? parseSegmentName(entry.name) : undefined;
    if (!name) continue;
    const info = await fs.stat(join(dir, entry.name));
    if (info?.isFile) out.push({ ...name, path: join(dir, entry.name), size: info.size, mtimeMs: info.mtimeMs, source });
  }
  return out.sort((a, b) => a.id - b.id);
}

/**
 * The archive directory: the request's `commitLogArchiveOverride`, else where `archive_command` in
 * commitlog_archiving.properties copies segments (checked against the commitLog roots like a request's path).
 */
async function archiveDirectory(request: CommitLogBackupRequest, dirs: NodeDirectories, fs: FileSystem): Promise<string> {
  if (request.commitLogArchiveOverride !== undefined) return request.commitLogArchiveOverride;
  const file = join(dirs.configDir, ARCHIVING_PROPERTIES_FILE);
  const text = await fs.readTextIfExists(file);
  const command = text === undefined ? undefined : parseArchivingProperties(text).get('archive_command');
  const dir = archiveDirectoryOf(command);
  if (!dir) {
    throw new OperationRejectedError(
      `no commit-log archive directory: ${file} ${text === undefined ? 'does not exist' : command ? `has an archive_command ("${command}") that names no <dir>/%name` : 'sets no archive_command'}; ` +
        'name the directory in commitLogArchiveOverride',
    );
  }
  await confine({ field: `archive_command in ${file}`, path: dir, kind: 'commitLog' }, dirs.commitLogRoots, fs);
  return dir;
}

/**
 * The closed segments still in commitlog_directory (`online`): all but the two newest — the one Cassandra
 * writes to and the one it allocates ahead — which may still change.
 */
async function closedLiveSegments(request: CommitLogBackupRequest, dirs: NodeDirectories, fs: FileSystem): Promise<LocalSegment[]> {
  let dir = request.cassandraCommitLogDirectory;
  if (dir === undefined) {
    dir = (await readCassandraLayout(dirs.configDir, dirs.cassandraHome, fs)).commitLogDirectory;
    if (!dir)
      throw new OperationRejectedError('online: cassandra.yaml sets no commitlog_directory; name it in cassandraCommitLogDirectory');
    await confine({ field: 'commitlog_directory in cassandra.yaml', path: dir, kind: 'commitLog' }, dirs.commitLogRoots, fs);
  }
  const live = await segmentsIn(fs, dir, 'commitlog');
  return live.slice(0, Math.max(live.length - 2, 0));
}

/**
 * What a commitlog-backup uploads, one entry per segment id (the archive's copy wins over the live one): one
 * segment (`commitLog`), or the archive directory's segments plus, with `online`, the closed live ones.
 */
export async function localSegments(
  request: CommitLogBackupRequest,
  dirs: NodeDirectories,
  fs: FileSystem = localFileSystem,
): Promise<LocalSegment[]> {
  if (request.commitLog !== undefined) {
    const name = parseSegmentName(basename(request.commitLog));
    if (!name)
      throw new OperationRejectedError(`commitLog: ${request.commitLog} is not a commit-log segment (CommitLog-<version>-<id>.log)`);
    const found = (await segmentsIn(fs, dirname(request.commitLog), 'archive')).find((s) => s.name === name.name);
    if (!found) throw new OperationRejectedError(`commitLog: ${request.commitLog} does not exist`);
    return [found];
  }
  const archived = await segmentsIn(fs, await archiveDirectory(request, dirs, fs), 'archive');
  const live = request.online ? await closedLiveSegments(request, dirs, fs) : [];
  const byId = new Map<number, LocalSegment>();
  for (const s of [...live, ...archived]) byId.set(s.id, s);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
