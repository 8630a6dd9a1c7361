/**
 * A scheduled backup followed by its retention policy keeps exactly what the policy says (issue 14's proof).
 * The chain is the product's own: a schedule (`@every 3s`) submits global backups; the coordinator, started with
 * `--retention-policies-file`, submits the location's `remove-backup` with `retention` after each one completes
 * ("Retention" in docs/design.md). Between backups the test writes rows and compacts the table, so each backup
 * holds SSTables the previous ones do not and a removed backup leaves objects only it referenced. After a few
 * runs the schedule is suspended and every backup and removal waited for; then the backups left — in the listing,
 * and in the store (cluster records, manifests, tombstones) — are exactly the ones `applyRetention` keeps over
 * every backup the schedule made, and no data object is left that no remaining manifest references (swept:
 * agents run with no removal grace window, the objects are seconds old). Requires `npm run build`.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RetentionPolicy, retentionOperationId } from '@daedalus/contracts';
import { applyRetention } from '../../apps/node-agent/src/retention/apply-retention';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { filesUnder, ManifestDoc, readJson } from './backup-support';

const CLUSTER = 'daedalus-test';
const POLICY: RetentionPolicy = { keepLast: 2, incompleteGrace: 'PT6H' };
const BACKUPS_WANTED = 4;

interface RunView {
  fireTime: string;
  operationId: string;
  state: string;
  operationState?: string;
}
interface SweepResult {
  swept: { objects: number; keys: Array<{ key: string }> };
}

describe('a scheduled backup followed by its retention policy (1 node, 1 coordinator)', () => {
  let system: DaedalusSystem;
  let dir: string;
  let bucket: string;
  let location: string;

  beforeAll(async () => {
    dir = makeTempDir('scheduled-retention');
    bucket = join(dir, 'store');
    location = `file://${bucket}`;
    const policies = join(dir, 'retention.json');
    writeFileSync(policies, JSON.stringify([{ storageLocation: location, policy: POLICY }]));
    system = await DaedalusSystem.start({
      nodes: 1,
      coordinators: 1,
      coordinatorArgs: ['--retention-policies-file', policies],
      agentArgs: ['--removal-grace-ms', '0'],
    });
    await system.createTables('shop', ['orders'], 20);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (dir) removeDir(dir);
  }, 60_000);

  const runsOf = async (id: string) => ((await system.get(`/schedules/${id}`)).body as { runs: RunView[] }).runs;
  const backupNameOf = (op: OperationView) =>
    Object.values((op.response as { UPLOAD?: Record<string, { backupName: string }> } | undefined)?.UPLOAD ?? {})[0]?.backupName;
  const listing = async () =>
    (await system.get(`/backups?storageLocation=${encodeURIComponent(location)}`)).body as Array<{ name: string; time: string }>;
  const hostDir = () => join(bucket, CLUSTER, 'dc1', system.nodes[0].hostId);
  const jsonNames = (folder: string) =>
    (existsSync(folder) ? readdirSync(folder) : [])
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort();

  it('keeps in the listing and the store exactly the backups applyRetention keeps; the others are tombstoned and their objects swept', async () => {
    const body = {
      id: 'nightly',
      request: { type: 'backup', globalRequest: true, storageLocation: location, snapshotTag: 'sched', createMissingBucket: true },
      schedule: '@every 3s',
    };
    expect((await system.post('/schedules', body)).status).toBe(201);

    // every completed backup, with the time the listing gave it while it was still listed (its own retention
    // run never removes it: it is the newest then)
    const times = new Map<string, number>();
    const seen = new Set<string>();
    const node = system.simOf(system.nodes[0]);
    for (let i = 0; i < 600 && times.size < BACKUPS_WANTED; i++) {
      for (const run of await runsOf('nightly')) {
        if (run.state !== 'submitted' || run.operationState !== 'COMPLETED' || seen.has(run.operationId)) continue;
        seen.add(run.operationId);
        const op = (await system.get(`/operations/${run.operationId}`)).body as OperationView;
        const name = backupNameOf(op);
        expect(name).toBeTruthy();
        const listed = (await listing()).find((b) => b.name === name);
        expect(listed).toBeDefined();
        times.set(name as string, Date.parse((listed as { time: string }).time));
        // new rows and a compaction: the next backup's SSTables are new objects, this one's become its own alone
        await node.writeRows('shop', 'orders', 20, 1_000 * (i + 1));
        await node.compact('shop', 'orders');
      }
      await sleep(200);
    }
    expect(times.size).toBeGreaterThanOrEqual(BACKUPS_WANTED);
    expect((await system.request('PUT', '/schedules/nightly', { ...body, id: undefined, suspended: true })).status).toBe(200);

    // every run the schedule submitted ends COMPLETED, and so does the retention removal each one caused
    const submitted = (await runsOf('nightly')).filter((r) => r.state === 'submitted');
    const backups: OperationView[] = [];
    for (const run of submitted) backups.push(await system.waitForOperation(run.operationId, undefined, 120_000));
    for (const op of backups)
      expect({ id: op.id, state: op.state, errors: op.errors }).toEqual({ id: op.id, state: 'COMPLETED', errors: [] });
    const removals: OperationView[] = [];
    for (const op of backups) removals.push(await system.waitForOperation(retentionOperationId(op.id), undefined, 120_000));
    for (const op of removals) {
      expect(op).toMatchObject({ type: 'remove-backup', state: 'COMPLETED', retention: POLICY, submittedBy: 'coordinator:retention' });
      expect(op.errors).toEqual([]);
    }
    for (const op of backups) {
      const name = backupNameOf(op) as string;
      if (!times.has(name)) times.set(name, Date.parse(String((op as { startTime?: string }).startTime)));
    }
    expect(times.size).toBe(backups.length);

    // what the policy keeps over every backup the schedule made
    const decisions = applyRetention(
      [...times].map(([name, time]) => ({ name, time, complete: true })),
      POLICY,
      Date.now(),
    );
    const kept = decisions
      .filter((d) => d.keep)
      .map((d) => d.name)
      .sort();
    const dropped = decisions
      .filter((d) => !d.keep)
      .map((d) => d.name)
      .sort();
    const newestFirst = [...times].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1)).map(([name]) => name);
    expect(kept).toEqual(newestFirst.slice(0, 2).sort()); // keepLast 2, read plainly
    expect(dropped.length).toBeGreaterThanOrEqual(BACKUPS_WANTED - 2);

    // the listing, the cluster records, the manifests: exactly the kept ones; a tombstone for each dropped one
    expect((await listing()).map((b) => b.name).sort()).toEqual(kept);
    expect(jsonNames(join(bucket, CLUSTER, 'backups'))).toEqual(kept);
    const manifests: ManifestDoc[] = [];
    for (const file of jsonNames(join(hostDir(), 'manifests')))
      manifests.push(await readJson<ManifestDoc>(join(hostDir(), 'manifests', `${file}.json`)));
    expect(manifests.map((m) => m.backupName).sort()).toEqual(kept);
    const tombstones = jsonNames(join(bucket, CLUSTER, 'removed'));
    expect(tombstones).toEqual(dropped);

    // objects: every one a kept manifest names is there, and nothing else is left under data/
    const referenced = new Set(manifests.flatMap((m) => m.tables.flatMap((t) => t.files.map((f) => f.key))));
    const stored = (await filesUnder(join(hostDir(), 'data'))).map((p) => p.slice(bucket.length + 1));
    expect([...referenced].filter((k) => !stored.includes(k))).toEqual([]);
    expect(stored.filter((k) => !referenced.has(k))).toEqual([]);
    // and the removals did sweep something: the dropped backups' own SSTables
    const swept = removals.flatMap((op) =>
      Object.values((op.response as { SWEEP?: Record<string, SweepResult> }).SWEEP ?? {}).flatMap((s) => s.swept.keys.map((k) => k.key)),
    );
    expect(swept.length).toBeGreaterThan(0);
    expect(swept.filter((k) => referenced.has(k))).toEqual([]);
  }, 300_000);
});
