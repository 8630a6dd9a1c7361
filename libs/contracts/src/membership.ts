import type { NodeRegistration } from './messages';

/**
 * Where a node stands, from the registrations alone (coordinators plan with it, the gateway lists it):
 * - `live`: its agent heartbeats;
 * - `down`: its agent stopped heartbeating (the node may come back);
 * - `departed`: Cassandra says it left the ring — it reports DECOMMISSIONED itself, or the nodes still in the
 *   ring no longer list it (decommissioned, removed, or replaced by a node with a new host ID). A departed node
 *   is never planned; its backups stay in storage, listed and restorable.
 */
export type NodeLiveness = 'live' | 'down' | 'departed';

export interface RegistrationView {
  registration: NodeRegistration;
  /** milliseconds since the node's last heartbeat reached NATS */
  heartbeatAgeMs: number;
}

export interface NodeStanding {
  hostId: string;
  address: string;
  /** undefined for a ring member no agent registered */
  dc?: string;
  state: NodeLiveness;
  /** why it is down or departed */
  reason?: string;
  /** false: a member of the token ring without a registration (no agent ever registered it, or it was removed) */
  registered: boolean;
  heartbeatAgeMs?: number;
}

const seconds = (ms: number) => Math.round(ms / 1000);

/** A heartbeating node whose Cassandra answered and lists itself in its ring: its view of the ring counts. */
function isObserver(view: RegistrationView, nodeTimeoutMs: number): boolean {
  const r = view.registration;
  return (
    view.heartbeatAgeMs <= nodeTimeoutMs && r.operationMode === 'NORMAL' && r.ring !== undefined && Object.hasOwn(r.ring.members, r.hostId)
  );
}

function departedReason(view: RegistrationView, observers: RegistrationView[], nodeTimeoutMs: number): string | undefined {
  const r = view.registration;
  if (r.operationMode === 'DECOMMISSIONED') return 'Cassandra reports it DECOMMISSIONED';
  // a node that heartbeats and still sees itself in the ring has not left, whatever a lagging peer says
  if (isObserver(view, nodeTimeoutMs)) return undefined;
  // only views read after this agent started count: an older one may predate the node's joining
  const witnesses = observers.filter(
    (o) =>
      o.registration.hostId !== r.hostId &&
      o.registration.clusterName === r.clusterName &&
      (o.registration.ring?.readAt ?? '') > r.startedAt,
  );
  if (witnesses.length === 0 || witnesses.some((o) => Object.hasOwn(o.registration.ring?.members ?? {}, r.hostId))) return undefined;
  const names = witnesses.map((o) => `${o.registration.hostId} (${o.registration.address})`);
  return `no longer in the token ring (as seen by ${names.join(', ')})`;
}

/**
 * Every registered node's standing, plus the ring members no agent registered (counted as down: a backup
 * would silently miss them). `nodeTimeoutMs` is how long a heartbeat may be silent.
 */
export function nodeStandings(views: RegistrationView[], nodeTimeoutMs: number): NodeStanding[] {
  const observers = views.filter((v) => isObserver(v, nodeTimeoutMs));
  const standings: NodeStanding[] = views.map((view) => {
    const r = view.registration;
    const base = { hostId: r.hostId, address: r.address, dc: r.dc, registered: true, heartbeatAgeMs: view.heartbeatAgeMs };
    const departed = departedReason(view, observers, nodeTimeoutMs);
    if (departed) return { ...base, state: 'departed', reason: departed };
    if (view.heartbeatAgeMs > nodeTimeoutMs) {
      return { ...base, state: 'down', reason: `not heartbeating: last seen ${seconds(view.heartbeatAgeMs)} s ago` };
    }
    return { ...base, state: 'live' };
  });
  const registered = new Set(views.map((v) => v.registration.hostId));
  const unregistered = new Map<string, { address: string; seenBy: string }>();
  for (const o of observers) {
    for (const [hostId, address] of Object.entries(o.registration.ring?.members ?? {})) {
      if (!registered.has(hostId) && !unregistered.has(hostId)) unregistered.set(hostId, { address, seenBy: o.registration.hostId });
    }
  }
  for (const [hostId, { address, seenBy }] of unregistered) {
    standings.push({
      hostId,
      address,
      state: 'down',
      registered: false,
      reason: `in the token ring (seen by ${seenBy}) but no agent is registered for it`,
    });
  }
  return standings.sort((a, b) => (a.dc ?? '').localeCompare(b.dc ?? '') || a.hostId.localeCompare(b.hostId));
}
