/**
 * Gentle on the cluster (docs/design.md): a global backup whose upload cannot finish inside its maintenance window
 * is paused at the window's end — the record shows every node PAUSED saying when the window opens again, and no
 * agent uploads while it is closed — and the next window finishes it, reusing the objects already stored: the
 * backup completes and holds exactly the nodes' snapshot files, and a full verify passes.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { NodeEventMessage } from '@daedalus/contracts';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem } from '../support/system';
import { filesUnder, ManifestDoc, readJson, runOperation, sha256File } from './backup-support';

const CLUSTER = 'daedalus-test';
/** 20 s at the start of every minute */
const WINDOW = { start: '* * * * *', duration: '20s', timeZone: 'UTC' };

describe('maintenanceWindow: work running at the window end is paused and resumed in the next window', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  let nc: NatsConnection;
  let subscription: Subscription | undefined;

  beforeAll(async () => {
    storeRoot = makeTempDir('window-pause');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({ nodes: 3, coordinators: 2 });
    await system.createTables('shop', ['orders'], 50);
    // 5 × 2 MiB per node: at 400 KB/s, one object at a time, about 26 s of upload — more than one 20 s window, and
    // what the first window leaves takes about half of the second
    for (const node of system.nodes) await system.simOf(node).generateSSTables('shop', 'orders', 5, 2 * 1024 * 1024);
    nc = await system.connectNats();
  }, 180_000);

  afterAll(async () => {
    subscription?.unsubscribe();
    await nc?.close();
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  it('pauses every node at the window end, uploads nothing while closed, finishes in the next window', async () => {
    // submit while the window is closed, so the upload starts when it opens and has the whole window
    const second = new Date().getUTCSeconds();
    const closedIn = second < 25 ? 25 - second : second > 55 ? 85 - second : 0;
    await new Promise((resolve) => setTimeout(resolve, closedIn * 1000));
    const id = randomUUID();
    const events: NodeEventMessage[] = [];
    subscription = nc.subscribe(`daedalus.events.${id}.*`, { callback: (_e, m) => void events.push(m.json<NodeEventMessage>()) });
    const response = await system.post('/operations', {
      id,
      type: 'backup',
      globalRequest: true,
      storageLocation: location,
      createMissingBucket: true,
      snapshotTag: 'paused',
      keepSnapshot: true,
      concurrentConnections: 1,
      bandwidth: { value: 400, unit: 'KBPS' },
      maintenanceWindow: WINDOW,
    });
    expect(response.status).toBe(201);

    // the window closes mid-upload: every node is PAUSED, saying when the next window opens
    const paused = await system.waitForOperation(
      id,
      (op) => op.nodes?.length === 3 && op.nodes.every((n) => n.state === 'PAUSED'),
      150_000,
    );
    expect(paused.state).toBe('RUNNING');
    const opensAt = /resumes when the window opens at (\S+)$/.exec(paused.nodes[0].message ?? '')?.[1] ?? '';
    expect(opensAt).toMatch(/:00\.000Z$/);
    for (const node of paused.nodes) expect(node.message).toBe(`paused at the window's end; resumes when the window opens at ${opensAt}`);

    const operation = await system.waitForOperation(id, undefined, 150_000);
    expect(operation.errors).toEqual([]);
    expect(operation.state).toBe('COMPLETED');

    // the agents' own events: each node started (round 0), paused after the window closed, started again in
    // round 1 once it opened, and completed that round
    const reopened = Date.parse(opensAt);
    const closed = reopened - 40_000;
    for (const node of system.nodes) {
      const mine = events.filter((e) => e.hostId === node.hostId && e.phase === 'UPLOAD');
      const pausedEvent = mine.find((e) => e.kind === 'paused');
      expect(pausedEvent).toBeDefined();
      expect(Date.parse(pausedEvent?.at ?? '')).toBeGreaterThanOrEqual(closed);
      // one round per window it needed: two here, a third only if the machine was too slow for the second
      const rounds = mine.filter((e) => e.kind === 'started').map((e) => e.round ?? 0);
      expect(rounds.length).toBeGreaterThanOrEqual(2);
      expect(rounds).toEqual(rounds.map((_r, i) => i));
      expect(mine.filter((e) => e.kind === 'completed').map((e) => e.round)).toEqual([rounds.length - 1]);
      // nothing from the node between its pause and the window opening again: no progress, no upload
      const between = mine.filter((e) => Date.parse(e.at) > Date.parse(pausedEvent?.at ?? '') && Date.parse(e.at) < reopened);
      expect(between.map((e) => e.kind)).toEqual([]);
      expect(Date.parse(mine.find((e) => e.kind === 'started' && e.round === 1)?.at ?? '')).toBeGreaterThanOrEqual(reopened);
    }

    // the stored objects (the file store writes each at the end of its upload): none written while the window
    // was closed, some in each window
    const firstPauses = system.nodes.map((node) => events.find((e) => e.hostId === node.hostId && e.kind === 'paused'));
    const lastPause = Math.max(...firstPauses.map((e) => Date.parse(e?.at ?? '')));
    const objects = await filesUnder(join(storeRoot, 'bucket', CLUSTER, 'dc1'));
    const written = objects.filter((path) => path.includes('/data/')).map((path) => statSync(path).mtimeMs);
    expect(written.filter((t) => t > lastPause && t < reopened)).toEqual([]);
    expect(written.filter((t) => t <= lastPause).length).toBeGreaterThan(0);
    expect(written.filter((t) => t >= reopened).length).toBeGreaterThan(0);

    // the resumed round reused what the first round stored, and the backup holds exactly the snapshot's files
    const backupName = (operation.response as { UPLOAD: Record<string, { backupName: string }> }).UPLOAD[system.nodes[0].hostId].backupName;
    for (const node of system.nodes) {
      const manifest = await readJson<ManifestDoc>(
        join(storeRoot, 'bucket', CLUSTER, 'dc1', node.hostId, 'manifests', `${backupName}.json`),
      );
      expect(manifest.totals.uploadedBytes).toBeLessThan(manifest.totals.bytes);
      expect(manifest.totals.bytes).toBeGreaterThanOrEqual(10 * 1024 * 1024);
      const onDisk = new Map<string, string>();
      for (const path of await filesUnder(join(node.home, 'data', 'data', 'shop'))) {
        const match = new RegExp(`/snapshots/${backupName}/(.+)$`).exec(path);
        if (match && !['manifest.json', 'schema.cql'].includes(match[1])) onDisk.set(match[1], await sha256File(path));
      }
      const files = manifest.tables.flatMap((t) => t.files);
      expect(files.map((f) => f.name).sort()).toEqual([...onDisk.keys()].sort());
      for (const file of files) {
        expect({ name: file.name, stored: await sha256File(join(storeRoot, 'bucket', file.key)) }).toEqual({
          name: file.name,
          stored: onDisk.get(file.name),
        });
      }
    }
    const verify = await runOperation(
      system,
      { type: 'verify', storageLocation: location, globalRequest: true, backupName, mode: 'full' },
      120_000,
    );
    expect(verify.errors).toEqual([]);
    expect(verify.state).toBe('COMPLETED');
  }, 300_000);
});
