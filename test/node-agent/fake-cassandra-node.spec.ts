/**
 * FakeCassandraNode held to the CassandraNode contract, as JmxCassandraNode is on the simulator
 * (jmx-cassandra-node.test.ts): the executors' unit specs get a fake that answers, refuses and changes the data
 * directories as a real node does. Two data directories, as the simulator runs it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeCassandraNode } from '../../apps/node-agent/src/cassandra/testing/fake-cassandra-node';
import { runCassandraNodeContract } from './cassandra-node-contract';

for (const release of ['4.0.14', '4.1.7', '5.0.2']) {
  runCassandraNodeContract(`FakeCassandraNode (${release})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-cassandra-'));
    const dataDirectories = [join(dir, 'data1'), join(dir, 'data2')];
    const node = new FakeCassandraNode({ dataDirectories, releaseVersion: release });
    return {
      node,
      world: node,
      dataDirectories,
      version: release.slice(0, 3),
      scratch: join(dir, 'scratch'),
      teardown: async () => rmSync(dir, { recursive: true, force: true }),
    };
  });
}
