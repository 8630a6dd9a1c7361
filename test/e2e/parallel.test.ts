/**
 * Gentle on the cluster (docs/design.md): `parallel: 1` on a 3-node cluster-wide backup uploads one node at a
 * time. Seen three ways: the record updates the coordinators announce (never two nodes admitted to UPLOAD at
 * once, the others WAITING), the agents' own started/completed events, and the manifests' upload times.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { NodeEventMessage, OperationRecord, Subjects } from '@daedalus/contracts';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { ManifestDoc, readJson } from './backup-support';

const CLUSTER = 'daedalus-test';

type Interval = { hostId: string; start: number; end: number };

function overlapping(intervals: Interval[]): Array<[string, string]> {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const pairs: Array<[string, string]> = [];
  for (let i = 1; i < sorted.length; i++) if (sorted[i].start < sorted[i - 1].end) pairs.push([sorted[i - 1].hostId, sorted[i].hostId]);
  return pairs;
}

describe('parallel: nodes take turns', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  let nc: NatsConnection;
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    storeRoot = makeTempDir('store');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({ nodes: 3, coordinators: 2 });
    await system.createTables('shop', ['orders'], 50);
    // enough data that each node's upload, throttled by `bandwidth`, takes a couple of seconds
    for (const node of system.nodes) await system.simOf(node).generateSSTables('shop', 'orders', 2, 2 * 1024 * 1024);
    nc = await system.connectNats();
  }, 180_000);

  afterAll(async () => {
    for (const sub of subscriptions) sub.unsubscribe();
    await nc?.close();
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  it('refuses parallel where it makes no sense, naming the field', async () => {
    const truncate = await system.post('/operations', {
      type: 'truncate',
      keyspace: 'shop',
      table: 'orders',
      globalRequest: true,
      parallel: 1,
    });
    expect(truncate.status).toBe(400);
    expect(JSON.stringify(truncate.body)).toContain('"field":"parallel"');
    const zero = await system.post('/operations', { type: 'backup', storageLocation: location, globalRequest: true, parallel: { dc1: 0 } });
    expect(zero.status).toBe(400);
    expect(JSON.stringify(zero.body)).toContain('"field":"parallel.dc1"');
  });

  it('parallel: 1 uploads one node at a time: records, agent events and manifests agree, and every node is backed up', async () => {
    const id = randomUUID();
    const updates: OperationRecord[] = [];
    const events: NodeEventMessage[] = [];
    subscriptions.push(nc.subscribe(Subjects.operationUpdates(id), { callback: (_e, m) => void updates.push(m.json<OperationRecord>()) }));
    subscriptions.push(nc.subscribe(`daedalus.events.${id}.*`, { callback: (_e, m) => void events.push(m.json<NodeEventMessage>()) }));

    const response = await system.post('/operations', {
      id,
      type: 'backup',
      globalRequest: true,
      storageLocation: location,
      createMissingBucket: true,
      snapshotTag: 'turns',
      parallel: 1,
      bandwidth: { value: 2, unit: 'MBPS' },
    });
    expect(response.status).toBe(201);
    const operation: OperationView = await system.waitForOperation(id, undefined, 180_000);
    expect(operation.errors).toEqual([]);
    expect(operation.state).toBe('COMPLETED');

    // the coordinators' record updates: in UPLOAD never more than one node admitted, the others seen WAITING
    const uploads = updates.filter((r) => r.phase === 'UPLOAD' && r.nodes);
    expect(uploads.length).toBeGreaterThan(0);
    for (const record of uploads) {
      const admitted = Object.values(record.nodes ?? {}).filter((n) => n.state === 'PENDING' || n.state === 'RUNNING');
      expect(admitted.length).toBeLessThanOrEqual(1);
    }
    const waitingSeen = new Set(
      uploads.flatMap((r) =>
        Object.values(r.nodes ?? {})
          .filter((n) => n.state === 'WAITING')
          .map((n) => n.hostId),
      ),
    );
    expect(waitingSeen.size).toBe(2);

    // the agents' own events: UPLOAD started → completed intervals never overlap
    const eventIntervals: Interval[] = system.nodes.map((node) => {
      const mine = events.filter((e) => e.hostId === node.hostId && e.phase === 'UPLOAD');
      const started = mine.find((e) => e.kind === 'started');
      const completed = mine.find((e) => e.kind === 'completed');
      if (!started || !completed) throw new Error(`no UPLOAD start/completion seen from ${node.hostId}`);
      return { hostId: node.hostId, start: Date.parse(started.at), end: Date.parse(completed.at) };
    });
    expect(overlapping(eventIntervals)).toEqual([]);

    // the manifests' upload times (the agents' clocks): each node's upload took a while, and none overlapped
    const backupName = (operation.response as { UPLOAD: Record<string, { backupName: string }> }).UPLOAD[system.nodes[0].hostId].backupName;
    const manifestIntervals: Interval[] = [];
    for (const node of system.nodes) {
      const manifest = await readJson<ManifestDoc & { startTime: string; endTime: string }>(
        join(storeRoot, 'bucket', CLUSTER, 'dc1', node.hostId, 'manifests', `${backupName}.json`),
      );
      expect(manifest.totals.uploadedBytes).toBeGreaterThanOrEqual(4 * 1024 * 1024);
      manifestIntervals.push({ hostId: node.hostId, start: Date.parse(manifest.startTime), end: Date.parse(manifest.endTime) });
    }
    expect(overlapping(manifestIntervals)).toEqual([]);
    // throttled at 2 MB/s, 4 MiB take about two seconds: the turns really were sequential, not instantaneous
    for (const interval of manifestIntervals) expect(interval.end - interval.start).toBeGreaterThan(1000);
  }, 240_000);

  it('maintenanceWindow: submitted outside it, every node WAITS saying when it opens, and none starts before', async () => {
    // a window of 20 s every minute; submit while it is closed (so that the wait stays under a minute)
    const second = new Date().getUTCSeconds();
    const closedIn = second < 25 ? 25 - second : second > 55 ? 85 - second : 0;
    await new Promise((resolve) => setTimeout(resolve, closedIn * 1000));
    const id = randomUUID();
    const events: NodeEventMessage[] = [];
    subscriptions.push(nc.subscribe(`daedalus.events.${id}.*`, { callback: (_e, m) => void events.push(m.json<NodeEventMessage>()) }));
    const response = await system.post('/operations', {
      id,
      type: 'backup',
      globalRequest: true,
      storageLocation: location,
      snapshotTag: 'windowed',
      maintenanceWindow: { start: '* * * * *', duration: '20s', timeZone: 'UTC' },
    });
    expect(response.status).toBe(201);
    const waiting = await system.waitForOperation(
      id,
      (op) => op.nodes?.length === 3 && op.nodes.every((n) => n.state === 'WAITING'),
      30_000,
    );
    const opensAt = /opens at (\S+)$/.exec(waiting.nodes[0].message ?? '')?.[1];
    expect(opensAt).toMatch(/:00\.000Z$/);
    const operation = await system.waitForOperation(id, undefined, 180_000);
    expect(operation.errors).toEqual([]);
    expect(operation.state).toBe('COMPLETED');
    const starts = events.filter((e) => e.phase === 'UPLOAD' && e.kind === 'started');
    expect(starts.map((e) => e.hostId).sort()).toEqual(system.nodes.map((n) => n.hostId).sort());
    for (const start of starts) expect(Date.parse(start.at)).toBeGreaterThanOrEqual(Date.parse(opensAt ?? ''));
  }, 240_000);
});
