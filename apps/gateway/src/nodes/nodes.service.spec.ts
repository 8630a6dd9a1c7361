import { ConflictException, NotFoundException } from '@nestjs/common';
import { NodeRegistration } from '@daedalus/contracts';
import { NodeRegistry, RegisteredNodeView } from '@daedalus/messaging';
import { GatewayConfig } from '../gateway-config';
import { NodesService } from './nodes.service';

function view(hostId: string, heartbeatAgeMs: number, fields: Partial<NodeRegistration> = {}): RegisteredNodeView {
  const registration = {
    hostId,
    address: `10.0.0.${hostId.slice(-1)}`,
    dc: 'dc1',
    rack: 'r1',
    clusterName: 'c',
    operationMode: 'NORMAL',
    cassandraVersion: '4.1.7',
    agentVersion: '0.1.0',
    startedAt: '2026-01-01T00:00:00.000Z',
    heartbeatAt: '2026-01-01T00:10:00.000Z',
    ...fields,
  } as NodeRegistration;
  return { registration, heartbeatAgeMs };
}

function service(views: RegisteredNodeView[]) {
  const removed: string[] = [];
  const registry = {
    list: async () => views,
    get: async (hostId: string) => views.find((v) => v.registration.hostId === hostId),
    remove: async (hostId: string) => void removed.push(hostId),
  } as unknown as NodeRegistry;
  return { nodes: new NodesService(registry, { nodeTimeoutMs: 10_000 } as GatewayConfig), removed };
}

describe('NodesService', () => {
  const ring = { members: { h1: '10.0.0.1' }, readAt: '2026-01-01T00:05:00.000Z' };

  it('lists each node with its state: live, down, departed', async () => {
    const { nodes } = service([view('h1', 500, { ring }), view('h2', 60_000, { operationMode: 'DECOMMISSIONED' }), view('h3', 60_000)]);
    const listed = await nodes.list();
    expect(listed.map((n) => [n.hostId, n.state])).toEqual([
      ['h1', 'live'],
      ['h2', 'departed'],
      ['h3', 'departed'],
    ]);
    expect(listed[0]).toMatchObject({
      rack: 'r1',
      operationMode: 'NORMAL',
      registered: true,
      heartbeatAgeMs: 500,
      cassandraVersion: '4.1.7',
      agentVersion: '0.1.0',
    });
  });

  it('removes a silent node (host ID in any case), refuses one that heartbeats (409) or is unknown (404), and a malformed id (400)', async () => {
    const { nodes, removed } = service([view('h1', 500), view('h2', 60_000)]);
    await nodes.remove('H2');
    expect(removed).toEqual(['h2']);
    await expect(nodes.remove('h1')).rejects.toThrow(ConflictException);
    await expect(nodes.remove('h1')).rejects.toThrow(/is heartbeating .* stop its agent first/);
    await expect(nodes.remove('h9')).rejects.toThrow(NotFoundException);
    await expect(nodes.remove('../x')).rejects.toMatchObject({ status: 400 });
    expect(removed).toEqual(['h2']);
  });
});
