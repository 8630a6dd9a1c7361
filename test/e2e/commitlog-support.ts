/**
 * The commit-log scenario shared by the commit-log and point-in-time e2e tests: archiving on every simulated node,
 * rows written in batches (each flushed, so its segment closes), a point in time between batches, and waiting until
 * every closed segment is archived.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../support/processes';
import { DaedalusSystem } from '../support/system';
import { runOperation } from './backup-support';

/** Where node `i`'s archive_command copies its closed segments. */
export const archiveDirOf = (system: DaedalusSystem, i: number): string => join(system.nodes[i].home, 'data', 'commitlog_archive');

/** Turns commit-log archiving on, every node copying its closed segments into its own archive directory. */
export async function enableArchiving(system: DaedalusSystem): Promise<void> {
  for (const [i, node] of system.nodes.entries()) {
    mkdirSync(archiveDirOf(system, i), { recursive: true });
    await system.simOf(node).setArchiveCommand(`/bin/cp %path ${archiveDirOf(system, i)}/%name`);
  }
}

/** `rows` rows on every node (seeded per node), then a global flush, which closes the segments holding them. */
export async function writeBatch(system: DaedalusSystem, keyspace: string, table: string, seed: number, rows: number): Promise<void> {
  for (const [i, node] of system.nodes.entries()) await system.simOf(node).writeRows(keyspace, table, rows, seed + i);
  const flush = await runOperation(system, { type: 'flush', keyspace, globalRequest: true });
  expect(flush.state).toBe('COMPLETED');
}

/** Waits until the clock is past the next whole second and returns it: what was written before is before it. */
export async function nextWholeSecond(): Promise<number> {
  const second = Math.ceil((Date.now() + 1) / 1000) * 1000;
  while (Date.now() <= second + 50) await new Promise((r) => setTimeout(r, 25));
  return second;
}

/** A flushed segment leaves commitlog_directory once archive_command copied it: waits until every node's did. */
export async function waitUntilArchived(system: DaedalusSystem): Promise<void> {
  for (const [i, node] of system.nodes.entries())
    await waitFor(`node ${i} archived`, async () => (await system.simOf(node).commitLogSegments()).length === 0);
}
