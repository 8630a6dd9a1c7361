import {
  NodeProgress,
  NodeRegistration,
  NodeStanding,
  nodeStandings,
  inRequestedDcs,
  OperationRequest,
  OperationState,
  Participant,
  requestedDcs,
} from '@daedalus/contracts';

export interface RegisteredNode {
  registration: NodeRegistration;
  /** milliseconds since the node's last heartbeat reached NATS */
  heartbeatAgeMs: number;
}

/**
 * `missing`: the down nodes a global backup with `skipDownNodes` proceeds without (empty otherwise); the
 * caller must still prove every token range has a replica among `targets` before starting.
 */
export type TargetPlan = { ok: true; targets: NodeProgress[]; missing: Participant[] } | { ok: false; error: string };

function describe(node: { hostId: string; address: string }): string {
  return `${node.hostId} (${node.address})`;
}

function asTarget(node: NodeRegistration): NodeProgress {
  return { hostId: node.hostId, address: node.address, dc: node.dc, state: OperationState.PENDING, progress: 0 };
}

function departedError(standing: NodeStanding): string {
  return `node ${describe(standing)} has left the ring (${standing.reason ?? 'departed'}); remove it with DELETE /nodes/${standing.hostId}`;
}

/**
 * Decides which nodes an operation runs on. Departed nodes (see `nodeStandings`) are never planned. Global
 * requests take every other registered node (of `dc`, when given) and refuse to start when one of them is
 * down — better fail now, naming it, than hang — except a global backup with `skipDownNodes`, which goes on
 * without them (the caller checks the token ranges stay covered). A global backup without `dc` also counts the
 * ring members no agent registered as down: it would miss their data silently otherwise.
 */
export function planTargets(request: OperationRequest, nodes: RegisteredNode[], nodeTimeoutMs: number): TargetPlan {
  const standings = new Map(nodeStandings(nodes, nodeTimeoutMs).map((s) => [s.hostId, s]));
  const departed = (n: RegisteredNode) => standings.get(n.registration.hostId)?.state === 'departed';
  const present = nodes.filter((n) => !departed(n));
  let chosen: RegisteredNode[];
  if (request.globalRequest) {
    const dcs = requestedDcs(request.dc);
    chosen = present.filter((n) => inRequestedDcs(request.dc, n.registration.dc));
    // every data center named must have nodes: a typo in one of "dc1,dc2" must not shrink the operation silently
    const empty = (dcs ?? []).filter((dc) => !chosen.some((n) => n.registration.dc === dc));
    if (empty.length > 0) return { ok: false, error: `no registered nodes in dc ${empty.map((dc) => `"${dc}"`).join(', ')}` };
    if (chosen.length === 0) return { ok: false, error: 'no registered nodes' };
  } else if (request.hostId) {
    const named = nodes.find((n) => n.registration.hostId === request.hostId);
    if (!named) return { ok: false, error: `node ${request.hostId} is not registered` };
    if (departed(named)) return { ok: false, error: departedError(standings.get(request.hostId) as NodeStanding) };
    chosen = [named];
  } else if (request.address) {
    chosen = present.filter((n) => n.registration.address === request.address);
    if (chosen.length === 0) return { ok: false, error: `no registered node has address ${request.address}` };
  } else if (present.length === 1) {
    chosen = present;
  } else {
    return {
      ok: false,
      error: `request is not global and names no node (hostId or address), and ${present.length} nodes are registered`,
    };
  }
  const silent = chosen.filter((n) => n.heartbeatAgeMs > nodeTimeoutMs);
  const isGlobalBackup = request.type === 'backup' && request.globalRequest === true;
  const unregistered = isGlobalBackup && !request.dc ? [...standings.values()].filter((s) => !s.registered) : [];
  if (silent.length === 0 && unregistered.length === 0) return { ok: true, targets: sorted(chosen), missing: [] };

  const names = [
    ...silent.map((n) => `${describe(n.registration)} last seen ${Math.round(n.heartbeatAgeMs / 1000)} s ago`),
    ...unregistered.map((s) => `${describe(s)} ${s.reason ?? ''}`.trim()),
  ];
  if (!(isGlobalBackup && request.type === 'backup' && request.skipDownNodes)) {
    const hint = isGlobalBackup ? ' (skipDownNodes: true backs up the others when every token range keeps a replica)' : '';
    return { ok: false, error: `node(s) down: ${names.join(', ')}${hint}` };
  }
  const up = chosen.filter((n) => n.heartbeatAgeMs <= nodeTimeoutMs);
  if (up.length === 0) return { ok: false, error: `every node is down: ${names.join(', ')}` };
  const missing: Participant[] = [
    ...silent.map((n) => ({ hostId: n.registration.hostId, address: n.registration.address, dc: n.registration.dc })),
    ...unregistered.map((s) => ({ hostId: s.hostId, address: s.address, dc: s.dc ?? '' })),
  ];
  return { ok: true, targets: sorted(up), missing };
}

function sorted(nodes: RegisteredNode[]): NodeProgress[] {
  return nodes.map((n) => asTarget(n.registration)).sort((a, b) => a.dc.localeCompare(b.dc) || a.hostId.localeCompare(b.hostId));
}
