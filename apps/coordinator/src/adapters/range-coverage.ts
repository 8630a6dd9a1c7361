import { Injectable } from '@nestjs/common';
import { Channels, NodeProgress, Participant, RangeCoverageView, SCHEMA_VERSION, Subjects } from '@daedalus/contracts';
import { NatsRequester } from '@daedalus/messaging';
import { errorMessage } from '@daedalus/common';

/** How long one agent may take to read the ring of the backed-up keyspaces. */
export const COVERAGE_QUERY_TIMEOUT_MS = 10_000;
/** Agents asked in turn before giving up (each bounded by the timeout above). */
const AGENTS_ASKED = 3;

export type CoverageAnswer = { ok: true; coverage: RangeCoverageView } | { ok: false; reason: string };
export type AskCoverage = (hostId: string, hostIds: string[], entities: string | undefined) => Promise<CoverageAnswer>;

export type CoverageVerdict = { ok: true } | { ok: false; error: string };

const describe = (n: { hostId: string; address: string }) => `${n.hostId} (${n.address})`;

/**
 * Whether a backup may go on without the down nodes: every token range of the backed-up keyspaces must keep
 * a replica among the nodes taking part (ScyllaDB Manager's rule). Cassandra's own range map answers it
 * (getRangeToEndpointWithPortMap, read by an agent of a node taking part); nothing answering is a refusal.
 */
export async function confirmCoverage(
  targets: NodeProgress[],
  missing: Participant[],
  entities: string | undefined,
  ask: AskCoverage,
): Promise<CoverageVerdict> {
  const hostIds = targets.map((t) => t.hostId);
  const skipped = missing.map(describe).join(', ');
  const reasons: string[] = [];
  for (const target of targets.slice(0, AGENTS_ASKED)) {
    const answer = await ask(target.hostId, hostIds, entities);
    if (!answer.ok) {
      reasons.push(`${describe(target)}: ${answer.reason}`);
      continue;
    }
    const { uncoveredCount, uncovered } = answer.coverage;
    if (uncoveredCount === 0) return { ok: true };
    const examples = uncovered
      .slice(0, 5)
      .map((r) => `keyspace ${r.keyspace} range (${r.range.join(', ')}] (replicas ${r.replicas.join(', ') || 'none'})`)
      .join('; ');
    return {
      ok: false,
      error:
        `node(s) down: ${skipped}; skipDownNodes cannot go on without them: ${uncoveredCount} token range(s) ` +
        `would have no replica among the nodes that are up: ${examples}`,
    };
  }
  return {
    ok: false,
    error: `node(s) down: ${skipped}; could not confirm that every token range keeps a replica (${reasons.join('; ')})`,
  };
}

/** Asks one node agent for the ranges no given node replicates (NodeQuery `coverage`). */
@Injectable()
export class RangeCoverageClient {
  constructor(private readonly requester: NatsRequester) {}

  readonly ask: AskCoverage = async (hostId, hostIds, entities) => {
    try {
      const reply = await this.requester.request(
        Channels.nodeQuery,
        { schemaVersion: SCHEMA_VERSION, query: 'coverage', hostIds, ...(entities ? { entities } : {}) },
        { subject: Subjects.nodeQuery(hostId), timeoutMs: COVERAGE_QUERY_TIMEOUT_MS },
      );
      if (!reply.ok) return { ok: false, reason: reply.error ?? 'the agent could not read its node' };
      if (!reply.coverage) return { ok: false, reason: 'the agent answered without coverage (an older agent?)' };
      return { ok: true, coverage: reply.coverage };
    } catch (error) {
      return { ok: false, reason: `no answer: ${errorMessage(error)}` };
    }
  };
}
