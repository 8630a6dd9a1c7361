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
import { KvTarget, runKvContract } from './kv-contract';

/**
 * The stores over a broker `start` boots in a fresh directory; everything it started is stopped and removed at
 * teardown, and also when booting fails.
 */
async function storesOn(
  dirName: string,
  replicas: number,
  start: (group: ProcessGroup, dir: string) => Promise<string[]>,
): Promise<KvTarget> {
  const dir = makeTempDir(dirName);
  const group = new ProcessGroup(dir);
  let nc: NatsConnection | undefined;
  try {
    nc = await connect({ servers: await start(group, dir) });
    const stores = await ensureBuckets(nc, { ...DEFAULT_TOPOLOGY, replicas });
    const listing = (bucket: string) => ({ jsm: stores.jsm, bucket, replicated: replicas > 1 });
    const connection = nc;
    return {
      operations: () => new JsonKv(stores.operations, listing(Buckets.operations)),
      activeOperations: () => new JsonKv(stores.activeOperations, listing(Buckets.activeOperations)),
      nodes: () => new JsonKv(stores.nodes, listing(Buckets.nodes)),
      scratch: () => new JsonKv(stores.nodes, listing(Buckets.nodes)),
      activeIndexMessages: async () => (await stores.jsm.streams.info(`KV_${Buckets.activeOperations}`)).state.messages,
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
}

runKvContract('JsonKv on nats-server', () =>
  storesOn('kv-contract', 1, async (group, dir) => [(await startNatsServer(group, join(dir, 'nats'))).url]),
);

runKvContract('JsonKv on a 3-server JetStream cluster with replicas 3', () =>
  storesOn('kv-contract-cluster', 3, async (group, dir) => (await startNatsCluster(group, dir, 3)).map((server) => server.url)),
);
