import { RangeCoverageView } from '@daedalus/contracts';
import { CassandraNode } from '../cassandra/cassandra-node';
import { SYSTEM_KEYSPACES } from '../operations/backup/backup-entities';

/** Uncovered ranges listed in an answer (the count says how many there are in all). */
const LISTED = 20;

/**
 * The token ranges of the keyspaces a backup covers (Icarus `entities`; absent: every non-system keyspace) that
 * no node of `hostIds` replicates, from Cassandra's own range map. LocalStrategy keyspaces are left out: their
 * data lives on each node alone and no other node could stand in for it.
 */
export async function readCoverage(node: CassandraNode, hostIds: string[], entities: string | undefined): Promise<RangeCoverageView> {
  const named = (entities ?? '')
    .split(',')
    .map((e) => e.trim().split('.')[0])
    .filter((k) => k.length > 0);
  const replicated = await node.replicatedKeyspaces();
  const keyspaces = (
    named.length > 0 ? replicated.filter((k) => named.includes(k)) : replicated.filter((k) => !SYSTEM_KEYSPACES.has(k))
  ).sort();
  const taking = new Set(hostIds);
  const uncovered: RangeCoverageView['uncovered'] = [];
  let uncoveredCount = 0;
  for (const keyspace of keyspaces) {
    for (const { range, replicas } of await node.rangeReplicas(keyspace)) {
      if (replicas.some((r) => taking.has(r))) continue;
      uncoveredCount++;
      if (uncovered.length < LISTED) uncovered.push({ keyspace, range, replicas });
    }
  }
  return { keyspaces, uncoveredCount, uncovered };
}
