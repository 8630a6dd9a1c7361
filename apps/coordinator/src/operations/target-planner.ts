import { NodeProgress, NodeRegistration, OperationRequest, OperationState } from '@daedalus/contracts';

export interface RegisteredNode {
  registration: NodeRegistration;
  /** milliseconds since the node's last heartbeat reached NATS */
  heartbeatAgeMs: number;
}

export type TargetPlan = { ok: true; targets: NodeProgress[] } | { ok: false; error: string };

function describe(node: NodeRegistration): string {
  return `${node.hostId} (${node.address})`;
}

function asTarget(node: NodeRegistration): NodeProgress {
  return { hostId: node.hostId, address: node.address, dc: node.dc, state: OperationState.PENDING, progress: 0 };
}

/**
 * Decides which nodes an operation runs on. Global requests take every registered node (of `dc`, when
 * given) and refuse to start when one of them is not heartbeating: better fail now, naming it, than hang.
 */
export function planTargets(request: OperationRequest, nodes: RegisteredNode[], nodeTimeoutMs: number): TargetPlan {
  let chosen: RegisteredNode[];
  if (request.globalRequest) {
    chosen = request.dc ? nodes.filter((n) => n.registration.dc === request.dc) : nodes;
    if (chosen.length === 0) {
      return { ok: false, error: request.dc ? `no registered nodes in dc "${request.dc}"` : 'no registered nodes' };
    }
  } else if (request.hostId) {
    chosen = nodes.filter((n) => n.registration.hostId === request.hostId);
    if (chosen.length === 0) return { ok: false, error: `node ${request.hostId} is not registered` };
  } else if (request.address) {
    chosen = nodes.filter((n) => n.registration.address === request.address);
    if (chosen.length === 0) return { ok: false, error: `no registered node has address ${request.address}` };
  } else if (nodes.length === 1) {
    chosen = nodes;
  } else {
    return {
      ok: false,
      error: `request is not global and names no node (hostId or address), and ${nodes.length} nodes are registered`,
    };
  }
  const silent = chosen.filter((n) => n.heartbeatAgeMs > nodeTimeoutMs);
  if (silent.length > 0) {
    const names = silent.map((n) => `${describe(n.registration)} last seen ${Math.round(n.heartbeatAgeMs / 1000)} s ago`);
    return { ok: false, error: `node(s) not heartbeating: ${names.join(', ')}` };
  }
  const targets = chosen.map((n) => asTarget(n.registration)).sort((a, b) => a.dc.localeCompare(b.dc) || a.hostId.localeCompare(b.hostId));
  return { ok: true, targets };
}
