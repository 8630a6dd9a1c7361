/** The in-memory KV fake held to the KV contract that JsonKv passes on nats-server (operation-store.test.ts). */
import { NodeRegistration, OperationRecord } from '@daedalus/contracts';
import { ActiveMarker } from '@daedalus/messaging';
import { MemoryJsonKv } from '@daedalus/messaging/testing/memory-json-kv';
import { runKvContract } from './kv-contract';

jest.setTimeout(30_000);

runKvContract('MemoryJsonKv', async () => {
  // one store per bucket, as NATS has one bucket each
  const operations = new MemoryJsonKv<OperationRecord>();
  const active = new MemoryJsonKv<ActiveMarker>();
  const nodes = new MemoryJsonKv<NodeRegistration>();
  const scratch = new MemoryJsonKv<{ n: number; text?: string }>();
  return {
    operations: () => operations,
    activeOperations: () => active,
    nodes: () => nodes,
    scratch: () => scratch,
    teardown: async () => undefined,
  };
});
