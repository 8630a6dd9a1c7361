/**
 * The KV contract against a real nats-server: JsonKv on the buckets the services create (ensureBuckets), with the
 * OperationStore and NodeRegistry over them — the suite MemoryJsonKv passes as a unit spec. Also on a 3-server
 * JetStream cluster with replicas 3, where concurrent compare-and-set updates must not undo each other.
 */
import { join } from 'node:path';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { Buckets } from '@daedalus/contracts';
import { DEFAULT_TOPOLOGY, ensureBuckets, JsonKv } from '@daedalus/messaging';
import { startNatsCluster, startNatsServer } from '../support/nats';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { runKvContract } from './kv-contract';

runKvContract('JsonKv on nats-server', async () => {
  const dir = makeTempDir('kv-contract');
  const group = new ProcessGroup(dir);
  let nc: NatsConnection | undefined;
  try {
    const nats = await startNatsServer(group, join(dir, 'nats'));
    nc = await connect({ servers: nats.url });
    const stores = await ensureBuckets(nc, DEFAULT_TOPOLOGY);
    const listing = (bucket: string) => ({ jsm: stores.jsm, bucket });
    const connection = nc;
    return {
      operations: () => new JsonKv(stores.operations, listing(Buckets.operations)),
      activeOperations: () => new JsonKv(stores.activeOperations, listing(Buckets.activeOperations)),
      nodes: () => new JsonKv(stores.nodes, listing(Buckets.nodes)),
      scratch: () => new JsonKv(stores.nodes, listing(Buckets.nodes)),
      teardown: async () => {
        await connection.close();
        await group.stopAll();
        removeDir(dir);
      },
    };
  } catch (error) {
    await nc?.close();
    await group.stopAll();
    removeDir(dir);
    throw error;
  }
});

runKvContract('JsonKv on a 3-server JetStream cluster with replicas 3', async () => {
  const dir = makeTempDir('kv-contract-cluster');
  const group = new ProcessGroup(dir);
  let nc: NatsConnection | undefined;
  try {
    const servers = await startNatsCluster(group, dir, 3);
    nc = await connect({ servers: servers.map((server) => server.url) });
    const stores = await ensureBuckets(nc, { ...DEFAULT_TOPOLOGY, replicas: 3 });
    const listing = (bucket: string) => ({ jsm: stores.jsm, bucket, replicated: true });
    const connection = nc;
    return {
      operations: () => new JsonKv(stores.operations, listing(Buckets.operations)),
      activeOperations: () => new JsonKv(stores.activeOperations, listing(Buckets.activeOperations)),
      nodes: () => new JsonKv(stores.nodes, listing(Buckets.nodes)),
      scratch: () => new JsonKv(stores.nodes, listing(Buckets.nodes)),
      teardown: async () => {
        await connection.close();
        await group.stopAll();
        removeDir(dir);
      },
    };
  } catch (error) {
    await nc?.close();
    await group.stopAll();
    removeDir(dir);
    throw error;
  }
});
