import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { LiveNodeView, NodeRegistration } from '@daedalus/contracts';
import { NodeRegistry, RegisteredNodeView } from '@daedalus/messaging';
import { ClusterTopologyView } from '../docs/response-views';
import { GatewayConfig } from '../gateway-config';
import { notFound } from '../http/bad-request';
import { findLocalNode } from './local-node';
import { NodeQueryClient } from './node-query.client';

/** How many agents /topology asks, one after another, before it answers from the registry. */
const TOPOLOGY_ATTEMPTS = 3;

/**
 * Where an answer came from: `live` is read over JMX at request time by the node's agent; `registry` is the
 * agent's last registration (when no agent answered in time), with its age and why the live read failed.
 */
export type Provenance = { source: 'live' } | { source: 'registry'; asOf: string; reason: string };

function fromRegistry(node: NodeRegistration, reason: string): Provenance {
  return { source: 'registry', asOf: node.heartbeatAt, reason };
}

export interface NodeVersions {
  cassandra: string;
  schema: string;
  provenance: Provenance;
}

/**
 * Cluster facts for the Icarus endpoints. Asks the node agents live (NATS request/reply, JMX behind it) and
 * falls back to their registrations, saying so, when none answers.
 */
@Injectable()
export class ClusterService {
  constructor(
    private readonly nodes: NodeRegistry,
    private readonly config: GatewayConfig,
    private readonly queries: NodeQueryClient,
  ) {}

  private async registered(): Promise<RegisteredNodeView[]> {
    return (await this.nodes.list()).sort((a, b) => a.registration.address.localeCompare(b.registration.address));
  }

  /** The node this gateway answers for in single-node calls (/status, /version/cassandra). */
  async localNode(): Promise<NodeRegistration> {
    const choice = findLocalNode(this.config.localNode, await this.registered());
    if (!choice.node) throw new ServiceUnavailableException(choice.reason);
    return choice.node.registration;
  }

  async status(): Promise<{ operationMode: string; provenance: Provenance }> {
    const node = await this.localNode();
    const answer = await this.queries.ask(node.hostId, 'status');
    return answer.ok && answer.reply.status
      ? { operationMode: answer.reply.status.operationMode, provenance: { source: 'live' } }
      : { operationMode: node.operationMode, provenance: fromRegistry(node, answer.ok ? 'no status in the answer' : answer.reason) };
  }

  async versions(): Promise<NodeVersions> {
    const node = await this.localNode();
    const answer = await this.queries.ask(node.hostId, 'versions');
    return answer.ok && answer.reply.versions
      ? { ...answer.reply.versions, provenance: { source: 'live' } }
      : {
          cassandra: node.cassandraVersion,
          schema: node.schemaVersionId,
          provenance: fromRegistry(node, answer.ok ? 'no versions in the answer' : answer.reason),
        };
  }

  /** The local node's cassandra.yaml (secrets redacted by its agent); only live, there is no registry copy. */
  async cassandraYaml(): Promise<string> {
    const node = await this.localNode();
    const answer = await this.queries.ask(node.hostId, 'config');
    if (answer.ok && answer.reply.config) return answer.reply.config.yaml;
    throw new ServiceUnavailableException(
      `could not read cassandra.yaml of ${node.hostId}: ${answer.ok ? 'no config in the answer (an older agent)' : answer.reason}`,
    );
  }

  /**
   * Esop's ClusterTopology shape, which Icarus serves: the ring as a live node's Cassandra sees it (every
   * member, with or without an agent; `alive` is gossip's view), plus each node's mode where an agent reports it.
   */
  async topology(dc?: string): Promise<ClusterTopologyView> {
    const registered = await this.registered();
    const byHostId = new Map(registered.map((n) => [n.registration.hostId, n.registration]));
    const reasons: string[] = [];
    for (const candidate of this.askOrder(registered).slice(0, TOPOLOGY_ATTEMPTS)) {
      const answer = await this.queries.ask(candidate.hostId, 'topology');
      if (!answer.ok || !answer.reply.topology) {
        reasons.push(answer.ok ? `${candidate.hostId}: no topology in the answer` : answer.reason);
        continue;
      }
      const { clusterName, schemaVersion, nodes } = answer.reply.topology;
      const chosen = this.inDc(nodes, dc, (n) => n.dc).sort((a, b) => a.address.localeCompare(b.address));
      return {
        timestamp: Date.now(),
        clusterName,
        schemaVersion,
        topology: chosen.map((n: LiveNodeView) => ({
          hostname: n.address,
          cluster: clusterName,
          dc: n.dc,
          rack: n.rack,
          nodeId: n.hostId,
          ipAddress: n.address,
          operationMode: byHostId.get(n.hostId)?.operationMode ?? null,
          alive: n.live,
        })),
        source: 'live',
        answeredBy: answer.reply.hostId,
      };
    }
    return this.registryTopology(registered, dc, reasons.length > 0 ? reasons.join('; ') : 'no registered node to ask');
  }

  /** The configured local node first, then the most recently heartbeating ones; silent ones are not asked. */
  private askOrder(registered: RegisteredNodeView[]): NodeRegistration[] {
    const local = this.config.localNode ? findLocalNode(this.config.localNode, registered).node?.registration.hostId : undefined;
    return registered
      .filter((n) => n.heartbeatAgeMs <= this.config.nodeTimeoutMs)
      .sort((a, b) => {
        const isLocal = (n: RegisteredNodeView) => (n.registration.hostId === local ? 0 : 1);
        return isLocal(a) - isLocal(b) || a.heartbeatAgeMs - b.heartbeatAgeMs;
      })
      .map((n) => n.registration);
  }

  private inDc<T>(nodes: T[], dc: string | undefined, dcOf: (node: T) => string): T[] {
    if (!dc) return [...nodes];
    const chosen = nodes.filter((n) => dcOf(n) === dc);
    if (chosen.length === 0) throw notFound('dc', `no nodes in dc ${JSON.stringify(dc.slice(0, 128))}`);
    return chosen;
  }

  private registryTopology(registered: RegisteredNodeView[], dc: string | undefined, reason: string): ClusterTopologyView {
    const chosen = this.inDc(registered, dc, (n) => n.registration.dc);
    const first = registered[0]?.registration;
    return {
      timestamp: Date.now(),
      clusterName: first?.clusterName ?? null,
      schemaVersion: first?.schemaVersionId ?? null,
      topology: chosen.map(({ registration: r, heartbeatAgeMs }) => ({
        hostname: r.address,
        cluster: r.clusterName,
        dc: r.dc,
        rack: r.rack,
        nodeId: r.hostId,
        ipAddress: r.address,
        operationMode: r.operationMode,
        alive: heartbeatAgeMs <= this.config.nodeTimeoutMs,
      })),
      source: 'registry',
      reason,
    };
  }
}
