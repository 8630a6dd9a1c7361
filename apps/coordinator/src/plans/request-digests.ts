import { NodeProgress, OperationRecord, requestDigest } from '@daedalus/contracts';
import { planFor } from './plans';

/**
 * The record with every node entry naming the digest of the request its commands carry in the current phase
 * (`NodeProgress.requestDigest`): an agent runs a command only when its request matches. Applied to every
 * record that gains node entries (start, next phase, resume), inside the same compare-and-set; the requests
 * depend on the context, which changes only between phases.
 */
export function withRequestDigests(record: OperationRecord | undefined): OperationRecord | undefined {
  if (!record?.nodes) return record;
  const plan = planFor(record.type);
  const nodes: Record<string, NodeProgress> = {};
  for (const [hostId, node] of Object.entries(record.nodes)) {
    nodes[hostId] = { ...node, requestDigest: requestDigest(plan.nodeRequest(record, node)) };
  }
  return { ...record, nodes };
}

/**
 * As `withRequestDigests`, but an entry that has its digest keeps it: for node events, which never change a
 * phase's requests — a new phase (or run) has fresh entries, without one. Hashing every node's request at every
 * event made each event cost O(nodes) hashes (a 1,000-node operation spent seconds of CPU on them).
 */
export function withMissingRequestDigests(record: OperationRecord | undefined): OperationRecord | undefined {
  if (!record?.nodes || Object.values(record.nodes).every((node) => node.requestDigest !== undefined)) return record;
  return withRequestDigests(record);
}
