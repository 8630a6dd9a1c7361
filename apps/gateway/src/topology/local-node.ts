import { hostname, networkInterfaces } from 'node:os';
import { RegisteredNodeView } from '@daedalus/messaging';

/** `--local-node auto`: the node whose agent registered with one of this machine's addresses or its hostname. */
export const LOCAL_NODE_AUTO = 'auto';

/** How this machine is named, to recognise the agent that runs beside the gateway (the sidecar deployment). */
export interface MachineIdentity {
  addresses: string[];
  hostname: string;
}

export function machineIdentity(): MachineIdentity {
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => i.address);
  return { addresses, hostname: hostname() };
}

export type LocalNodeChoice = { node: RegisteredNodeView } | { node?: undefined; reason: string };

/**
 * Icarus answers single-node calls for the node it runs beside. Here that node is: the one `--local-node`
 * names (host ID or address), the co-located agent with `auto`, and without the flag the only registered node.
 */
export function findLocalNode(
  wanted: string | undefined,
  nodes: RegisteredNodeView[],
  machine: MachineIdentity = machineIdentity(),
): LocalNodeChoice {
  if (wanted === LOCAL_NODE_AUTO) {
    const own = new Set([...machine.addresses, machine.hostname].map((a) => a.toLowerCase()));
    const here = nodes.filter((n) => own.has(n.registration.address.toLowerCase()));
    if (here.length === 1) return { node: here[0] };
    return {
      reason:
        here.length === 0
          ? `no registered agent runs on this machine (--local-node auto: none of ${nodes.length} registered nodes has one of its addresses or its hostname ${machine.hostname})`
          : `several registered agents run on this machine (${here.map((n) => n.registration.address).join(', ')}): name one with --local-node`,
    };
  }
  if (wanted) {
    const node = nodes.find((n) => n.registration.hostId === wanted || n.registration.address === wanted);
    return node ? { node } : { reason: `the gateway's local node ${wanted} is not registered` };
  }
  if (nodes.length === 1) return { node: nodes[0] };
  return {
    reason:
      nodes.length === 0 ? 'no node is registered' : `no local node configured (--local-node) and ${nodes.length} nodes are registered`,
  };
}
