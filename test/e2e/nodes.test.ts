/**
 * Nodes come and go (issue #11) on a 4-node simulated cluster with real agents, coordinators and gateway:
 * a decommissioned node drops out of planning and is listed as departed, its registration can be removed only
 * once its agent is silent; a down node fails a global backup at once, naming it, unless `skipDownNodes` is set
 * and every token range keeps a replica (then the backup is recorded partial, naming it); a replacement node
 * (new host ID, same tokens) restores the old node's data with resolveHostIdFromTopology.
 */
import { join } from 'node:path';
import { makeTempDir, removeDir, waitFor } from '../support/processes';
import { DaedalusSystem, OperationView, SimulatedNode } from '../support/system';
import { readJson, runBackup } from './backup-support';

const CLUSTER = 'daedalus-test';
const NODE_TIMEOUT_MS = 5_000;

interface NodeListing {
  hostId: string;
  state: string;
  reason?: string;
  registered: boolean;
  heartbeatAgeMs: number | null;
}

interface BackupListing {
  name: string;
  complete: boolean;
  partial?: boolean;
  missingNodes?: Array<{ hostId: string }>;
  nodes: Array<{ hostId: string }>;
}

describe('nodes that come and go', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  let fullBackup: string;
  /** content at the time of the full backup: [keyspace.table][node index] */
  const atBackup: Record<string, string[]> = {};

  const checksum = async (node: SimulatedNode, table: string) => String(await node.sim.checksum(table.split('.')[0], table.split('.')[1]));
  const nodes = async () => (await system.get('/nodes')).body as NodeListing[];
  const standing = async (node: SimulatedNode) => (await nodes()).find((n) => n.hostId === node.hostId);
  const backups = async () => (await system.get(`/backups?storageLocation=${encodeURIComponent(location)}`)).body as BackupListing[];

  async function submit(body: Record<string, unknown>): Promise<OperationView> {
    const response = await system.post('/operations', body);
    expect(response.status).toBe(201);
    return system.waitForOperation((response.body as OperationView).id, undefined, 120_000);
  }

  beforeAll(async () => {
    storeRoot = makeTempDir('nodes-store');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({ nodes: 4, coordinators: 2, nodeTimeoutMs: NODE_TIMEOUT_MS });
    const first = system.nodes[0].sim;
    // shop: two replicas of every range; solo: one, so a down node leaves some of its ranges without a replica
    await first.createKeyspace('shop', { class: 'NetworkTopologyStrategy', dc1: '2' });
    await first.createTable('shop', 'orders');
    await first.createKeyspace('solo', { class: 'NetworkTopologyStrategy', dc1: '1' });
    await first.createTable('solo', 'items');
    await system.waitForSchema('shop', ['orders']);
    await system.waitForSchema('solo', ['items']);
    for (const node of system.nodes) {
      // only keys the node replicates: a restore verifies tokens, as Cassandra's import does
      expect(await node.sim.writeOwnedRows('shop', 'orders', 120, node.index + 1)).toBe(120);
      expect(await node.sim.writeOwnedRows('solo', 'items', 80, node.index + 11)).toBe(80);
    }
    for (const keyspace of ['shop', 'solo']) {
      expect((await submit({ type: 'flush', keyspace, globalRequest: true })).state).toBe('COMPLETED');
    }
    for (const table of ['shop.orders', 'solo.items']) atBackup[table] = await Promise.all(system.nodes.map((n) => checksum(n, table)));
    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'full', createMissingBucket: true });
    expect(backup.operation.state).toBe('COMPLETED');
    fullBackup = backup.backupName;
  }, 300_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  it('lists every node live, with its registration', async () => {
    const listed = await nodes();
    expect(listed.map((n) => [n.hostId, n.state, n.registered])).toEqual(
      expect.arrayContaining(system.nodes.map((n) => [n.hostId, 'live', true])),
    );
    expect(listed).toHaveLength(4);
  });

  it('a decommissioned node is departed and left out of a global backup; DELETE /nodes refuses while its agent beats, then removes it', async () => {
    const leaving = system.nodes[2];
    expect((await submit({ type: 'decommission', hostId: leaving.hostId })).state).toBe('COMPLETED');
    await waitFor('node 3 departed', async () => (await standing(leaving))?.state === 'departed', 20_000);
    // departed by either fact, whichever a heartbeat brought first: its own mode, or the live nodes' ring without it
    expect((await standing(leaving))?.reason).toMatch(
      /^Cassandra reports it DECOMMISSIONED$|^no longer in the token ring \(as seen by .+\)$/,
    );

    const refused = await system.request('DELETE', `/nodes/${leaving.hostId}`);
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toContain('is heartbeating');

    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'after-decommission' });
    expect(backup.operation.errors).toEqual([]);
    expect(backup.operation.state).toBe('COMPLETED');
    expect(backup.operation.nodes.map((n) => n.hostId).sort()).toEqual(
      [system.nodes[0], system.nodes[1], system.nodes[3]].map((n) => n.hostId).sort(),
    );

    await system.stopAgent(leaving);
    const removed = await waitFor(
      'DELETE accepted once the agent is silent',
      async () => {
        const response = await system.request('DELETE', `/nodes/${leaving.hostId.toUpperCase()}`);
        if (response.status === 409) return undefined;
        return response;
      },
      NODE_TIMEOUT_MS + 15_000,
      500,
    );
    expect(removed.status).toBe(204);
    expect((await system.request('DELETE', `/nodes/${leaving.hostId}`)).status).toBe(404);
    expect((await nodes()).map((n) => n.hostId)).not.toContain(leaving.hostId);
    const bad = await system.request('DELETE', '/nodes/not%20a%20host');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('hostId');

    // its backups stay listed: the full backup still names it
    const listed = (await backups()).find((b) => b.name === fullBackup);
    expect(listed?.complete).toBe(true);
    expect(listed?.nodes.map((n) => n.hostId)).toContain(leaving.hostId);
  });

  it('a down node fails a global backup at once, naming it', async () => {
    const down = system.nodes[3];
    await system.stopAgent(down);
    await system.stopSimulator(down);
    await waitFor('node 4 down', async () => (await standing(down))?.state === 'down', NODE_TIMEOUT_MS + 15_000);
    const started = Date.now();
    const failed = await submit({ type: 'backup', globalRequest: true, storageLocation: location, snapshotTag: 'refused' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(failed.state).toBe('FAILED');
    expect(failed.errors).toEqual([
      { source: 'coordinator', message: expect.stringContaining(`node(s) down: ${down.hostId} (${down.address}) last seen`) },
    ]);
    expect(failed.errors[0].message).toContain('skipDownNodes');
  });

  it('with skipDownNodes, when every token range keeps a live replica, completes and is recorded partial naming the node', async () => {
    const down = system.nodes[3];
    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'partial', entities: 'shop', skipDownNodes: true });
    expect(backup.operation.errors).toEqual([]);
    expect(backup.operation.state).toBe('COMPLETED');
    expect(backup.operation.nodes.map((n) => n.hostId)).not.toContain(down.hostId);
    const commit = Object.values((backup.operation.response as { COMMIT: Record<string, unknown> }).COMMIT)[0];
    const missing = [{ hostId: down.hostId, address: down.address, dc: 'dc1' }];
    expect(commit).toMatchObject({ partial: true, missingNodes: missing });
    // the cluster record in storage says so, for a restore; and listing shows it
    const record = await readJson<{ partial: boolean; missingNodes: unknown[] }>(
      join(storeRoot, 'bucket', CLUSTER, 'backups', `${backup.backupName}.json`),
    );
    expect(record).toMatchObject({ partial: true, missingNodes: missing });
    const listed = (await backups()).find((b) => b.name === backup.backupName);
    expect(listed).toMatchObject({ complete: true, partial: true, missingNodes: missing });
    expect((await backups()).find((b) => b.name === fullBackup)?.partial).toBeUndefined();
  });

  it('with skipDownNodes, fails naming a token range no live node replicates', async () => {
    const down = system.nodes[3];
    const failed = await submit({
      type: 'backup',
      globalRequest: true,
      storageLocation: location,
      snapshotTag: 'uncovered',
      entities: 'solo',
      skipDownNodes: true,
    });
    expect(failed.state).toBe('FAILED');
    expect(failed.errors[0].message).toMatch(
      new RegExp(
        `token range\\(s\\) would have no replica among the nodes that are up: keyspace solo range \\(-?\\d+, -?\\d+\\] \\(replicas ${down.hostId}\\)`,
      ),
    );
  });

  it('refuses skipDownNodes on a node-local backup, naming the field', async () => {
    const refused = await system.post('/operations', {
      type: 'backup',
      hostId: system.nodes[0].hostId,
      storageLocation: `${location}/${CLUSTER}/dc1/${system.nodes[0].hostId}`,
      skipDownNodes: true,
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('skipDownNodes');
  });

  it("a replacement (new host ID, same tokens) restores the old node's data by tokens; the old node is departed", async () => {
    const old = system.nodes[3];
    const oldTokens = (await system.registrations()).find((r) => r.hostId === old.hostId)?.tokens;
    const replacement = await system.replaceNode(old);
    expect(replacement.hostId).not.toBe(old.hostId);
    expect(((await replacement.jmx.getAttribute('org.apache.cassandra.db:type=StorageService', 'Tokens')) as string[]).sort()).toEqual(
      [...(oldTokens ?? [])].sort(),
    );
    await waitFor('the replaced node departed', async () => (await standing(old))?.state === 'departed', 20_000);
    expect((await standing(old))?.reason).toMatch(/^no longer in the token ring/);
    expect((await standing(replacement))?.state).toBe('live');
    expect(await checksum(replacement, 'shop.orders')).not.toBe(atBackup['shop.orders'][3]);

    const restored = await submit({
      type: 'restore',
      storageLocation: location,
      snapshotTag: fullBackup,
      globalRequest: true,
      entities: 'shop,solo',
      restorationStrategyType: 'IMPORT',
      resolveHostIdFromTopology: true,
    });
    expect(restored.errors).toEqual([]);
    expect(restored.state).toBe('COMPLETED');
    expect(restored.nodes.map((n) => n.hostId).sort()).toEqual([system.nodes[0].hostId, system.nodes[1].hostId, replacement.hostId].sort());
    for (const table of ['shop.orders', 'solo.items']) {
      expect(await checksum(replacement, table)).toBe(atBackup[table][3]);
      expect(await checksum(system.nodes[0], table)).toBe(atBackup[table][0]);
    }
  });
});
