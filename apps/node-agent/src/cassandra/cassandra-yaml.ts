import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { FileSystem, localFileSystem } from '../adapters/filesystem';

/** The parts of cassandra.yaml the agent needs; a real node does not expose them over JMX. */
export interface CassandraLayout {
  dataDirectories: string[];
  /** what Cassandra replays (commit log), re-sends (hints) and preloads (saved caches) at start */
  commitLogDirectory?: string;
  hintsDirectory?: string;
  savedCachesDirectory?: string;
}

/** Cassandra's own defaults when cassandra.yaml leaves a directory unset: under `$CASSANDRA_HOME/data`. */
const DEFAULT_UNDER_HOME: Record<Exclude<keyof CassandraLayout, 'dataDirectories'>, string> = {
  commitLogDirectory: 'commitlog',
  hintsDirectory: 'hints',
  savedCachesDirectory: 'saved_caches',
};

const YAML_KEYS: Record<keyof typeof DEFAULT_UNDER_HOME, string> = {
  commitLogDirectory: 'commitlog_directory',
  hintsDirectory: 'hints_directory',
  savedCachesDirectory: 'saved_caches_directory',
};

export const cassandraYamlPath = (configDir: string): string => join(configDir, 'cassandra.yaml');

export async function readCassandraLayout(
  configDir: string,
  cassandraHome?: string,
  fs: FileSystem = localFileSystem,
): Promise<CassandraLayout> {
  const file = cassandraYamlPath(configDir);
  const parsed: unknown = parse(await fs.readText(file));
  const yaml = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const dirs = yaml.data_file_directories;
  const home = cassandraHome ?? process.env.CASSANDRA_HOME;
  let dataDirectories: string[];
  if (Array.isArray(dirs) && dirs.length > 0) dataDirectories = dirs.map(String);
  else if (home)
    dataDirectories = [join(home, 'data', 'data')]; // Cassandra's own default
  else throw new Error(`${file} sets no data_file_directories and CASSANDRA_HOME is unknown`);
  const layout: CassandraLayout = { dataDirectories };
  for (const key of Object.keys(YAML_KEYS) as Array<keyof typeof YAML_KEYS>) {
    const value = yaml[YAML_KEYS[key]];
    if (typeof value === 'string' && value.length > 0) layout[key] = value;
    else if (home) layout[key] = join(home, 'data', DEFAULT_UNDER_HOME[key]);
  }
  return layout;
}

/** cassandra.yaml is not valid YAML: nothing was changed. */
export class InvalidCassandraYamlError extends Error {}

/**
 * Sets top-level settings of cassandra.yaml, keeping its comments and every other setting. The file is
 * replaced atomically (a temporary file renamed over it), so a crash never leaves a half-written cassandra.yaml.
 * Returns the file's path.
 */
export async function updateCassandraYaml(
  configDir: string,
  settings: Record<string, string | number | boolean>,
  fs: FileSystem = localFileSystem,
): Promise<string> {
  const file = cassandraYamlPath(configDir);
  const doc = parseDocument(await fs.readText(file));
  if (doc.errors.length > 0) throw new InvalidCassandraYamlError(`${file} is not valid YAML: ${doc.errors[0].message}`);
  for (const [key, value] of Object.entries(settings)) doc.set(key, value);
  await fs.replace(file, doc.toString());
  return file;
}
