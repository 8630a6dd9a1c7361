import { dirname } from 'node:path';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { CassandraNode } from '../../cassandra/cassandra-node';
import { dataWalker } from '../../cassandra/data-directories';

/**
 * The SSTables a load must bring into a table, fixed before the first attempt and kept in `recordFile`: once
 * Cassandra has moved the staged files into the table, a retry or a restarted agent still knows what to expect.
 */
export async function expectedFingerprints(
  stagedDir: string,
  recordFile: string,
): Promise<{ expected: string[]; earlierAttempt: boolean }> {
  const text = await fs.readTextIfExists(recordFile);
  if (text !== undefined) {
    const stored: unknown = JSON.parse(text);
    if (Array.isArray(stored) && stored.every((f): f is string => typeof f === 'string')) return { expected: stored, earlierAttempt: true };
  }
  const expected = [...new Set((await dataWalker.fingerprints(stagedDir)).values())].sort();
  await fs.makeDirectory(dirname(recordFile));
  await fs.replace(recordFile, JSON.stringify(expected));
  return { expected, earlierAttempt: false };
}

/** The expected SSTables that are not in the table's live directories (empty: all are there). */
export async function notYetLive(node: CassandraNode, keyspace: string, table: string, expected: string[]): Promise<string[]> {
  const live = await dataWalker.fingerprintsIn(await node.tableDataPaths(keyspace, table));
  return expected.filter((fingerprint) => !live.has(fingerprint));
}

/**
 * Proof that a load (import or refresh) took effect, or what is wrong: every expected SSTable is in one of the
 * table's live directories (Cassandra's DataPaths, never a directory guessed by name), and Cassandra counts
 * live SSTables for a table that had none. An empty list of failed directories from importNewSSTables proves
 * nothing (real 5.0 returns one when it found no SSTables at all).
 */
export async function proveLoaded(
  node: CassandraNode,
  keyspace: string,
  table: string,
  expected: string[],
  liveBefore: number,
): Promise<string | undefined> {
  if (expected.length === 0) return undefined;
  const missing = await notYetLive(node, keyspace, table, expected);
  if (missing.length > 0) {
    return `${missing.length} of ${expected.length} SSTable(s) are not in ${keyspace}.${table}'s live directories after the load: Cassandra did not take them`;
  }
  // a table that had no SSTables has some now; with earlier SSTables a compaction may have merged the count down
  if (liveBefore === 0 && (await node.liveSSTableCount(keyspace, table)) === 0) {
    return `Cassandra reports no live SSTables for ${keyspace}.${table} after loading ${expected.length}: the files are in its directory but were not loaded`;
  }
  return undefined;
}
