/**
 * Paths and roots: every directory a request can make an agent read or write is confined to roots the agent
 * was configured with. The agent publishes its roots in its registration; the gateway checks a request's paths
 * against them lexically (it cannot see the node's filesystem), the agent checks again with symlinks resolved.
 */
import { posix } from 'node:path';
// by path, not the barrel: the barrel loads every cloud SDK, and the public protocol needs none of them
import { parseAnyLocation } from '@daedalus/storage/location';
import type { OperationRequest } from './requests/registry';

/** The directories an agent lets requests reach, by what they are for. */
export interface AgentRoots {
  /** `file://` storage locations: the bucket directory must be one of these or below one */
  fileStores: string[];
  /** an import's `sourceDir` (`tablePath`) */
  import: string[];
  /** where a restore downloads (its `import.sourceDir`, else a directory the agent derives under these) */
  staging: string[];
  /** a restore's `cassandraConfigDirectory` (cassandra.yaml, which IN_PLACE may rewrite) */
  config: string[];
  /** what a commitlog-backup reads: the archive directory, one segment (`commitLog`), the live commit log directory */
  commitLog: string[];
}

export type RootKind = keyof AgentRoots;

/** The request field each kind of root confines, for messages. */
const KIND_FLAGS: Record<RootKind, string> = {
  fileStores: '--file-store-roots',
  import: '--import-roots',
  staging: '--staging-roots',
  config: '--config-roots',
  commitLog: '--commitlog-roots',
};

export const rootFlag = (kind: RootKind): string => KIND_FLAGS[kind];

/**
 * True when `path` is `root` or lies below it, compared as normalised absolute paths component by component
 * (so `/data2` is not inside `/data`). Relative paths are never inside anything.
 */
export function isWithinRoot(path: string, root: string): boolean {
  if (!posix.isAbsolute(path) || !posix.isAbsolute(root)) return false;
  const relative = posix.relative(posix.normalize(root), posix.normalize(path));
  return relative === '' || (relative !== '..' && !relative.startsWith('../') && !posix.isAbsolute(relative));
}

export const isWithinAnyRoot = (path: string, roots: readonly string[]): boolean => roots.some((root) => isWithinRoot(path, root));

/** One directory a request names, the field that names it and the roots that confine it. */
export interface ConfinedPath {
  field: string;
  path: string;
  kind: RootKind;
}

/** The directory a `file://` location writes to (its bucket directory), or undefined for other protocols and malformed ones. */
export function fileStoreDirectory(storageLocation: unknown): string | undefined {
  if (typeof storageLocation !== 'string') return undefined;
  try {
    const location = parseAnyLocation(storageLocation);
    return location.protocol === 'file' ? posix.join(location.root ?? '/', location.bucket) : undefined;
  } catch {
    return undefined;
  }
}

/** Every directory a request names that must lie within the target agent's roots. */
export function confinedPathsOf(request: OperationRequest): ConfinedPath[] {
  const paths: ConfinedPath[] = [];
  if ('storageLocation' in request) {
    const store = fileStoreDirectory(request.storageLocation);
    if (store !== undefined) paths.push({ field: 'storageLocation', path: store, kind: 'fileStores' });
  }
  if (request.type === 'import') {
    if (request.sourceDir !== undefined) paths.push({ field: 'sourceDir', path: request.sourceDir, kind: 'import' });
    else if (request.tablePath !== undefined) paths.push({ field: 'tablePath', path: request.tablePath, kind: 'import' });
  }
  if (request.type === 'restore') {
    if (request.import?.sourceDir !== undefined) paths.push({ field: 'import.sourceDir', path: request.import.sourceDir, kind: 'staging' });
    if (request.cassandraConfigDirectory !== undefined) {
      paths.push({ field: 'cassandraConfigDirectory', path: request.cassandraConfigDirectory, kind: 'config' });
    }
  }
  if (request.type === 'commitlog-backup') {
    if (request.commitLog !== undefined) paths.push({ field: 'commitLog', path: request.commitLog, kind: 'commitLog' });
    if (request.commitLogArchiveOverride !== undefined) {
      paths.push({ field: 'commitLogArchiveOverride', path: request.commitLogArchiveOverride, kind: 'commitLog' });
    }
    if (request.cassandraCommitLogDirectory !== undefined) {
      paths.push({ field: 'cassandraCommitLogDirectory', path: request.cassandraCommitLogDirectory, kind: 'commitLog' });
    }
  }
  if (request.type === 'commitlog-restore') {
    if (request.commitlogDownloadDir !== undefined)
      paths.push({ field: 'commitlogDownloadDir', path: request.commitlogDownloadDir, kind: 'staging' });
    if (request.cassandraConfigDirectory !== undefined) {
      paths.push({ field: 'cassandraConfigDirectory', path: request.cassandraConfigDirectory, kind: 'config' });
    }
  }
  return paths;
}

/** The refusal for a path outside the roots, naming the field, the roots and the flag that sets them. */
export function outsideRootsMessage(confined: ConfinedPath, roots: readonly string[], where = ''): string {
  const allowed = roots.length > 0 ? `one of ${roots.join(', ')}` : 'none is configured';
  return `${confined.field}: ${confined.path} is outside the directories the agent allows for it${where} (${allowed}; set with ${rootFlag(confined.kind)})`;
}
