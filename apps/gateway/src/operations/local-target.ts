import { OperationRequest } from '@daedalus/contracts';
import { RegisteredNodeView } from '@daedalus/messaging';
import { findLocalNode, MachineIdentity } from '../topology/local-node';

export type TargetResolution = { ok: true; hostId?: string } | { ok: false; field: string; message: string };

/**
 * Icarus runs a request without `globalRequest` on the node it was sent to. The gateway is not on a node,
 * so the target is: the node named by `hostId` or `address`, else the configured local node (`auto`: the
 * agent on this machine), else the only registered node. Global requests are resolved by the coordinator.
 */
export function resolveLocalTarget(
  request: OperationRequest,
  nodes: RegisteredNodeView[],
  localNode?: string,
  machine?: MachineIdentity,
): TargetResolution {
  if (request.globalRequest) return { ok: true };
  const byHostId = (id: string) => nodes.find((n) => n.registration.hostId === id);
  const byAddress = (address: string) => nodes.find((n) => n.registration.address === address);
  if (request.hostId) {
    return byHostId(request.hostId)
      ? { ok: true, hostId: request.hostId }
      : { ok: false, field: 'hostId', message: `hostId ${request.hostId} is not a registered node` };
  }
  if (request.address) {
    const node = byAddress(request.address);
    return node
      ? { ok: true, hostId: node.registration.hostId }
      : { ok: false, field: 'address', message: `address ${request.address} is not a registered node` };
  }
  if (localNode || nodes.length === 1) {
    const choice = findLocalNode(localNode, nodes, machine);
    return choice.node
      ? { ok: true, hostId: choice.node.registration.hostId }
      : { ok: false, field: 'hostId', message: `${choice.reason}; name a node with hostId` };
  }
  return {
    ok: false,
    field: 'globalRequest',
    message:
      nodes.length === 0
        ? 'no node is registered to run this request'
        : `request is not global and names no node: set globalRequest, or hostId (one of ${nodes.length} registered nodes)`,
  };
}
