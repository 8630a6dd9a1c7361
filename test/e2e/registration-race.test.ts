/**
 * The gateway reads the registration a request names by its key (issue #18): POSTs naming a node by hostId,
 * sent while its registration is rewritten back to back (as heartbeats do, only much faster), are all accepted —
 * a listing of the registrations could miss a key being rewritten and refuse a valid request with 400
 * "hostId … is not a registered node". Real NATS, agent, coordinator and gateway; no timed assertion.
 */
import { Kvm } from '@nats-io/kv';
import { NatsConnection } from '@nats-io/transport-node';
import { Buckets, NodeRegistration } from '@daedalus/contracts';
import { DaedalusSystem } from '../support/system';

jest.setTimeout(600_000);

const REQUESTS = 300;
const CONCURRENCY = 6;

describe('submissions naming a node while its registration is rewritten', () => {
  let system: DaedalusSystem;
  let nc: NatsConnection;

  beforeAll(async () => {
    system = await DaedalusSystem.start({ nodes: 1, coordinators: 1 });
    await system.createTables('shop', ['orders']);
    nc = await system.connectNats();
  });

  afterAll(async () => {
    await nc?.close();
    await system?.stop();
  });

  it('accepts every one of them', async () => {
    const [node] = system.nodes;
    const kv = await new Kvm(nc).open(Buckets.nodes);
    const registration = (await kv.get(node.hostId))?.json<NodeRegistration>();
    expect(registration?.hostId).toBe(node.hostId);
    let rewriting = true;
    let rewrites = 0;
    const heartbeats = (async () => {
      while (rewriting) {
        await kv.put(node.hostId, JSON.stringify({ ...registration, heartbeatAt: new Date().toISOString() }));
        rewrites += 1;
      }
    })();
    const statuses = new Map<number, number>();
    const refusals: string[] = [];
    try {
      let sent = 0;
      const client = async () => {
        while (sent < REQUESTS) {
          sent += 1;
          const response = await system.post('/operations', { type: 'flush', keyspace: 'shop', tables: ['orders'], hostId: node.hostId });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status !== 201) refusals.push(JSON.stringify(response.body));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, client));
    } finally {
      rewriting = false;
      await heartbeats;
    }
    expect(refusals).toEqual([]);
    expect(Object.fromEntries(statuses)).toEqual({ 201: REQUESTS });
    // the registration really was being rewritten throughout
    expect(rewrites).toBeGreaterThan(REQUESTS);
  });
});
