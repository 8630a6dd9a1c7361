import { NodeRegistration } from '@daedalus/contracts';
import { RegisteredNodeView } from '@daedalus/messaging';
import { findLocalNode, machineIdentity } from './local-node';

const view = (hostId: string, address: string): RegisteredNodeView => ({
  registration: { hostId, address } as NodeRegistration,
  heartbeatAgeMs: 0,
});
const nodes = [view('h1', '10.0.0.1'), view('h2', '10.0.0.2'), view('h3', 'cass-2.pods')];
const machine = (addresses: string[], hostname = 'box') => ({ addresses, hostname });

describe('the local node', () => {
  it('with auto is the agent registered with one of this machine addresses, or its hostname', () => {
    expect(findLocalNode('auto', nodes, machine(['127.0.0.1', '10.0.0.2'])).node?.registration.hostId).toBe('h2');
    expect(findLocalNode('auto', nodes, machine(['127.0.0.1'], 'CASS-2.pods')).node?.registration.hostId).toBe('h3');
  });

  it('with auto says why when no agent, or several, run here', () => {
    expect(findLocalNode('auto', nodes, machine(['127.0.0.1'])).node).toBeUndefined();
    expect(findLocalNode('auto', nodes, machine(['127.0.0.1']))).toMatchObject({
      reason: expect.stringContaining('no registered agent runs on this machine'),
    });
    expect(findLocalNode('auto', nodes, machine(['10.0.0.1', '10.0.0.2']))).toMatchObject({
      reason: expect.stringContaining('10.0.0.1, 10.0.0.2'),
    });
  });

  it('is the node named by host ID or address, else the only registered node', () => {
    expect(findLocalNode('h1', nodes, machine([])).node?.registration.address).toBe('10.0.0.1');
    expect(findLocalNode('10.0.0.2', nodes, machine([])).node?.registration.hostId).toBe('h2');
    expect(findLocalNode('10.9.9.9', nodes, machine([]))).toMatchObject({ reason: "the gateway's local node 10.9.9.9 is not registered" });
    expect(findLocalNode(undefined, [nodes[0]], machine([])).node?.registration.hostId).toBe('h1');
    expect(findLocalNode(undefined, nodes, machine([])).node).toBeUndefined();
  });

  it('knows this machine by its loopback address at least', () => {
    expect(machineIdentity().addresses).toContain('127.0.0.1');
  });
});
