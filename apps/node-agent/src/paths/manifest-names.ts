/**
 * What a manifest may name. A manifest comes from storage, which anyone with write access to the bucket can
 * change: every name in it that becomes part of a local path is checked here, when the manifest is read and
 * before any phase acts on it, and again where a path is joined (`joinChecked`). Names follow what a backup
 * writes (snapshot-files.ts): an SSTable component file, directly in the table directory or in one
 * secondary-index subdirectory `.<index>/`; keyspaces and tables are Cassandra identifiers.
 */
import { join } from 'node:path';
import { CASSANDRA_NAME } from '@daedalus/contracts';
import { parseComponentName } from '../cassandra/sstable-names';
import type { NodeManifest } from '../repository/manifest';
import { OperationRejectedError } from '../operations/executor';

/** Longest file name (one path component) Linux filesystems take. */
const MAX_NAME_BYTES = 255;
/** `Data.db`, `Digest.crc32`, `TOC.txt`, `SAI+aa+idx+Meta.db`, `SI_idx.db`: no separators, one extension. */
const COMPONENT = /^[A-Za-z][A-Za-z0-9_+]*\.[A-Za-z0-9]+$/;
/** A secondary index's directory: `.` and the index name (a Cassandra identifier, as Cassandra names it). */
const INDEX_DIR = /^\.[A-Za-z0-9_]+$/;
const TABLE_ID = /^[0-9a-f]{32}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** A name that would reach outside the directory it is joined to: the operation fails, it is not retried. */
export class UnsafeNameError extends OperationRejectedError {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeNameError';
  }
}

/** Why one path component is not an SSTable component file name, or undefined when it is one. */
function componentProblem(part: string): string | undefined {
  if (Buffer.byteLength(part) > MAX_NAME_BYTES) return `a name is longer than ${MAX_NAME_BYTES} bytes`;
  const parsed = parseComponentName(part);
  if (!parsed || !COMPONENT.test(parsed.component)) return 'it is not an SSTable component file name (<version>-<id>-<format>-<Component>)';
  return undefined;
}

/**
 * Why `name` cannot be a manifest file's name, or undefined when it is fine: an SSTable component file name,
 * optionally below one secondary-index directory (`.<index>/nb-1-big-Data.db`). Never absolute, never `..`,
 * no backslash, NUL or other control character, nothing empty or overlong.
 */
export function manifestFileNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'it is not a string';
  if (name.length === 0) return 'it is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains a control character';
  if (name.includes('\\')) return 'it contains a backslash';
  if (name.startsWith('/')) return 'it is an absolute path';
  const parts = name.split('/');
  if (parts.some((p) => p === '..' || p === '.')) return 'it has a "." or ".." segment';
  if (parts.some((p) => p === '')) return 'it has an empty segment';
  if (parts.length > 2) return 'it is more than one directory deep';
  if (parts.length === 2) {
    if (!INDEX_DIR.test(parts[0])) return 'its directory is not a secondary index directory (.<index>)';
    if (Buffer.byteLength(parts[0]) > MAX_NAME_BYTES) return `a name is longer than ${MAX_NAME_BYTES} bytes`;
  }
  return componentProblem(parts[parts.length - 1]);
}

export function identifierProblem(value: unknown): string | undefined {
  return typeof value === 'string' && CASSANDRA_NAME.test(value)
    ? undefined
    : 'it is not a Cassandra identifier (letters, digits, underscores, 1-48 characters)';
}

const shown = (value: unknown) => JSON.stringify(typeof value === 'string' ? value.slice(0, 300) : value) ?? String(value);

/**
 * Checks every name a node manifest holds that can reach a local path (keyspaces, tables, table ids, file
 * names) and the file entries' shape. Throws naming the first bad entry; nothing is downloaded or changed
 * from a manifest that fails.
 */
export function checkManifestNames(manifest: NodeManifest, source: string): void {
  const fail = (what: string, value: unknown, problem: string): never => {
    throw new UnsafeNameError(`${source} is refused: ${what} ${shown(value)}: ${problem}`);
  };
  if (!Array.isArray(manifest.tables)) fail('tables', manifest.tables, 'it is not a list');
  for (const table of manifest.tables) {
    if (typeof table !== 'object' || table === null) fail('table entry', table, 'it is not an object');
    const keyspaceProblem = identifierProblem(table.keyspace);
    if (keyspaceProblem) fail('keyspace', table.keyspace, keyspaceProblem);
    const tableProblem = identifierProblem(table.table);
    if (tableProblem) fail(`table of keyspace ${table.keyspace}`, table.table, tableProblem);
    if (typeof table.tableId !== 'string' || !TABLE_ID.test(table.tableId))
      fail(`table id of ${table.keyspace}.${table.table}`, table.tableId, 'it is not 32 hex characters');
    if (!Array.isArray(table.files)) fail(`files of ${table.keyspace}.${table.table}`, table.files, 'it is not a list');
    const seen = new Set<string>();
    for (const file of table.files) {
      if (typeof file !== 'object' || file === null) fail(`file entry of ${table.keyspace}.${table.table}`, file, 'it is not an object');
      const problem = manifestFileNameProblem(file.name);
      if (problem) fail(`file name in ${table.keyspace}.${table.table}`, file.name, problem);
      if (seen.has(file.name)) fail(`file name in ${table.keyspace}.${table.table}`, file.name, 'it is listed twice');
      seen.add(file.name);
      if (typeof file.key !== 'string' || file.key.length === 0) fail(`object key of ${file.name}`, file.key, 'it is not a key');
      if (!Number.isSafeInteger(file.size) || file.size < 0) fail(`size of ${file.name}`, file.size, 'it is not a byte count');
      if (typeof file.sha256 !== 'string' || !SHA256.test(file.sha256))
        fail(`sha256 of ${file.name}`, file.sha256, 'it is not 64 hex characters');
    }
  }
}

/** `dir` joined with a manifest file name, refused unless the name passes `manifestFileNameProblem`. */
export function joinFileName(dir: string, name: string): string {
  const problem = manifestFileNameProblem(name);
  if (problem) throw new UnsafeNameError(`refusing to write the file ${shown(name)}: ${problem}`);
  return join(dir, name);
}

/** `dir` joined with Cassandra identifiers (keyspace, table), refused unless each is one. */
export function joinIdentifiers(dir: string, ...names: string[]): string {
  for (const name of names) {
    const problem = identifierProblem(name);
    if (problem) throw new UnsafeNameError(`refusing the directory name ${shown(name)}: ${problem}`);
  }
  return join(dir, ...names);
}
