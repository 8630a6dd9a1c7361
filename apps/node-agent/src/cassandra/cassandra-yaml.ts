import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The parts of cassandra.yaml the agent needs; a real node does not expose them over JMX. */
export interface CassandraLayout {
  dataDirectories: string[];
  commitLogDirectory?: string;
}

export async function readCassandraLayout(configDir: string, cassandraHome?: string): Promise<CassandraLayout> {
  const file = join(configDir, 'cassandra.yaml');
  const parsed: unknown = parse(await readFile(file, 'utf8'));
  const yaml = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const dirs = yaml.data_file_directories;
  const home = cassandraHome ?? process.env.CASSANDRA_HOME;
  let dataDirectories: string[];
  if (Array.isArray(dirs) && dirs.length > 0) dataDirectories = dirs.map(String);
  else if (home) dataDirectories = [join(home, 'data', 'data')]; // Cassandra's own default
  else throw new Error(`${file} sets no data_file_directories and CASSANDRA_HOME is unknown`);
  const commitLog = yaml.commitlog_directory;
  return { dataDirectories, commitLogDirectory: typeof commitLog === 'string' ? commitLog : undefined };
}
