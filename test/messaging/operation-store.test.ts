/**
 * The KV contract against a real nats-server: JsonKv on the buckets the services create (ensureBuckets), with the
 * OperationStore and NodeRegistry over them — the suite MemoryJsonKv passes as a unit spec.
 */
import { join } from 'node:path';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { Buckets } from '@daedalus/contracts';
import { DEFAULT_TOPOLOGY, ensureBuckets, JsonKv } from '@daedalus/messaging';
import { startNatsServer } from '../support/nats';
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
