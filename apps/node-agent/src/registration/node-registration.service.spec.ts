import { Logger } from '@nestjs/common';
import { NodeRegistration } from '@daedalus/contracts';
import { JmxError } from '@daedalus/jmx';
import { NodeRegistry } from '@daedalus/messaging';
import { Clock, ConfigReader } from '@daedalus/common';
import { AgentConfig } from '../agent-config';
import { FakeCassandraNode } from '../operations/testing/fake-cassandra-node';
import { NodeRegistrationService } from './node-registration.service';

class FixedClock extends Clock {
  now(): Date {
    return new Date('2026-01-01T00:00:00Z');
  }
}

async function setUp(flags: string[] = []) {
  const node = new FakeCassandraNode();
  const stored: NodeRegistration[] = [];
  const registry = { put: async (r: NodeRegistration) => void stored.push(structuredClone(r)) } as unknown as NodeRegistry;
  const config = await AgentConfig.load(new ConfigReader(['--data-dirs', '/data', '--heartbeat-interval-ms', '3600000', ...flags], {}));
  const service = new NodeRegistrationService(node, registry, config, new FixedClock());
  return { node, stored, service };
}

describe('NodeRegistrationService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'warn', 'error']));

  it('registers the node with its schema and the agent capabilities', async () => {
    const { stored, service } = await setUp(['--enable-truncate']);
    const registration = await service.register();
    service.onApplicationShutdown();
    expect(registration).toMatchObject({
      hostId: '00000000-0000-4000-8000-000000000001',
      keyspaces: { system: ['local', 'peers'], ks1: ['t1', 't2'] },
      capabilities: { truncateEnabled: true },
      dataDirectories: ['/data'],
    });
    expect(stored).toHaveLength(1);
    expect(await service.whenRegistered()).toBe(registration);
  });

  it("registers each table's live id from its DataPaths, re-reading ids only when the schema changed", async () => {
    const { node, stored, service } = await setUp();
    const id = (n: number) => String(n).repeat(32);
    node.dataPaths = {
      'ks1.t1': ['/data/ks1/t1-' + id(1)],
      'ks1.t2': ['/data/ks1/t2-' + id(2)],
      'system.local': ['/data/system/local-' + id(3)],
    };
    // system.peers dropped between the schema read and its DataPaths read: its MBean is gone, it is left out
    node.failures.set(
      'tableDataPaths system.peers',
      new JmxError('not-found', 'org.apache.cassandra.db:type=Tables,keyspace=system,table=peers'),
    );
    const registration = await service.register();
    service.onApplicationShutdown();
    expect(registration.tableIds).toEqual({ 'ks1.t1': id(1), 'ks1.t2': id(2), 'system.local': id(3) });

    // t1 dropped and created again: a new id, a new schema version
    node.dataPaths['ks1.t1'] = ['/data/ks1/t1-' + id(4)];
    node.schemaVersionText = 'schema-2';
    await service.heartbeat();
    expect(stored.at(-1)?.tableIds?.['ks1.t1']).toBe(id(4));
  });

  it('re-reads the schema on the two heartbeats after its version changed, and only then', async () => {
    const { node, stored, service } = await setUp();
    await service.register();
    service.onApplicationShutdown();
    const reads = node.schemaReads;
    await service.heartbeat();
    expect(node.schemaReads).toBe(reads);

    node.schemaView = { ...node.schemaView, ks2: ['x'] };
    node.schemaVersionText = 'schema-2';
    await service.heartbeat();
    await service.heartbeat();
    await service.heartbeat();
    expect(node.schemaReads).toBe(reads + 2);
    expect(stored.at(-1)).toMatchObject({ schemaVersionId: 'schema-2', keyspaces: { ks2: ['x'] } });
    expect(stored.at(-1)?.capabilities).toEqual({ truncateEnabled: false });
  });

  it('keeps what it knew when the periodic full refresh fails, and still reads the mode', async () => {
    const { node, stored, service } = await setUp();
    await service.register();
    service.onApplicationShutdown();
    for (let beat = 1; beat < 15; beat++) await service.heartbeat();
    node.mode = 'DECOMMISSIONED';
    node.failures.set('describe', new Error('the node does not list its own host ID'));
    await service.heartbeat(); // the 15th: a full refresh
    expect(stored.at(-1)).toMatchObject({ address: '127.0.0.1', operationMode: 'DECOMMISSIONED' });
  });

  it('carries the token ring at every heartbeat, and no ring while Cassandra does not answer', async () => {
    const { node, stored, service } = await setUp();
    const registration = await service.register();
    service.onApplicationShutdown();
    const members = Object.fromEntries((await node.clusterNodes()).map((n) => [n.hostId, n.address]));
    expect(registration.ring).toEqual({ members, readAt: '2026-01-01T00:00:00.000Z' });
    node.peers.pop(); // a peer left the ring
    await service.heartbeat();
    expect(Object.keys(stored.at(-1)?.ring?.members ?? {})).toHaveLength(2);
    node.failures.set('ringMembers', new JmxError('connection', 'refused'));
    await service.heartbeat();
    expect(stored.at(-1)).toMatchObject({ operationMode: 'UNREACHABLE' });
    expect(stored.at(-1)?.ring).toBeUndefined();
  });

  it('reports UNREACHABLE while Cassandra does not answer, and keeps beating', async () => {
    const { node, stored, service } = await setUp();
    await service.register();
    service.onApplicationShutdown();
    node.failures.set('operationMode', new JmxError('connection', 'refused'));
    await service.heartbeat();
    expect(stored.at(-1)?.operationMode).toBe('UNREACHABLE');
    await service.heartbeat();
    expect(stored.at(-1)?.operationMode).toBe('NORMAL');
  });
});
