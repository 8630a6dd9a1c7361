import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { nodeStandings, OperationRequest, RegistrationView } from '@daedalus/contracts';
import { NodeRegistry } from '@daedalus/messaging';
import { NodeListingView } from '../docs/response-views';
import { GatewayConfig } from '../gateway-config';
import { badRequest } from '../http/bad-request';

/** One node as GET /nodes lists it (declared with the served OpenAPI's schema). */
export type NodeListing = NodeListingView;

/** Host IDs are Cassandra UUIDs; anything else is refused before it reaches a KV key. */
const HOST_ID = /^[0-9a-z-]{1,64}$/;

/**
 * The nodes the planner would see, with their standing, and the removal of a registration an operator knows is
 * gone for good. A node that heartbeats is never removed: its agent would register it again at the next beat.
 */
@Injectable()
export class NodesService {
  constructor(
    private readonly nodes: NodeRegistry,
    private readonly config: GatewayConfig,
  ) {}

  async list(): Promise<NodeListing[]> {
    const views = await this.nodes.list();
    const byHost = new Map(views.map((v) => [v.registration.hostId, v]));
    return nodeStandings(views, this.config.nodeTimeoutMs).map((s) => {
      const r = byHost.get(s.hostId)?.registration;
      return {
        hostId: s.hostId,
        address: s.address,
        dc: s.dc ?? null,
        rack: r?.rack ?? null,
        state: s.state,
        ...(s.reason ? { reason: s.reason } : {}),
        registered: s.registered,
        operationMode: r?.operationMode ?? null,
        heartbeatAt: r?.heartbeatAt ?? null,
        heartbeatAgeMs: s.heartbeatAgeMs ?? null,
        cassandraVersion: r?.cassandraVersion ?? null,
        agentVersion: r?.agentVersion ?? null,
      };
    });
  }

  async remove(rawHostId: string): Promise<void> {
    const hostId = rawHostId.toLowerCase();
    if (!HOST_ID.test(hostId)) throw badRequest([{ field: 'hostId', message: 'hostId must be a host ID (a UUID)' }]);
    const node = await this.nodes.get(hostId);
    if (!node) throw new NotFoundException(`node ${hostId} is not registered`);
    if (node.heartbeatAgeMs <= this.config.nodeTimeoutMs) {
      throw new ConflictException(
        `node ${hostId} (${node.registration.address}) is heartbeating (last heartbeat ${Math.round(node.heartbeatAgeMs / 1000)} s ago, ` +
          `--node-timeout-ms ${this.config.nodeTimeoutMs}): stop its agent first`,
      );
    }
    await this.nodes.remove(hostId);
  }
}

/**
 * The registrations a request is checked against (names, capabilities): never a departed node's, whose schema
 * stopped at its departure, nor — for a global backup with `skipDownNodes` — a down node's.
 */
export function plannableViews(views: RegistrationView[], request: OperationRequest, nodeTimeoutMs: number): RegistrationView[] {
  const standings = new Map(nodeStandings(views, nodeTimeoutMs).map((s) => [s.hostId, s.state]));
  const skipDown = request.type === 'backup' && request.skipDownNodes === true;
  return views.filter((v) => {
    const state = standings.get(v.registration.hostId);
    return state !== 'departed' && !(skipDown && state === 'down');
  });
}
