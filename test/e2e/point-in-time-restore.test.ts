/**
 * Point-in-time restore of a whole cluster in one request, on a simulated 2-node cluster with commit-log
 * archiving on: rows written in three batches at known times, a global backup after the first, a global
 * commitlog-backup; every node stopped and wiped; one restore with `pointInTime` between batches 2 and 3 puts
 * the backup back IN_PLACE and prepares the commit-log replay; started again, every node holds exactly batches
 * 1 and 2. A segment missing from the store, a time no backup precedes, and running nodes are refused in the
 * planning phase with no file changed on any node.
 */
import { copyFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { filesUnder, runBackup, runOperation } from './backup-support';
import { enableArchiving, nextWholeSecond, waitUntilArchived, writeBatch } from './commitlog-support';

const CLUSTER = 'daedalus-test';
const KS = 'pitr';
const TABLE = 'events';

interface PlanResult {
  backup: { name: string } | null;
  segments: { count: number; names: string[] } | null;
  problem: { kind: string; message: string } | null;
}

describe('point-in-time restore of a cluster', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  let backupName: string;
  let backupStart: number;
  let point: number;
  const afterTwoBatches: string[] = [];

  const sim = (i: number) => system.simOf(system.nodes[i]);
  const segmentsOf = (i: number) => join(storeRoot, 'bucket', CLUSTER, 'dc1', system.nodes[i].hostId, 'commitlog', 'segments');
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

  /** Every file of a node's data and configuration, with its size and modification time. */
  async function nodeFiles(i: number): Promise<Record<string, string>> {
    const home = system.nodes[i].home;
    const files: Record<string, string> = {};
    for (const dir of ['data', 'conf']) {
      for (const path of await filesUnder(join(home, dir))) {
        const stat = statSync(path);
        files[relative(home, path)] = `${stat.size}@${stat.mtimeMs}`;
      }
    }
    return files;
  }

  const pitr = (pointInTime: string, body: Record<string, unknown> = {}) =>
    runOperation(
      system,
      { type: 'restore', storageLocation: location, globalRequest: true, restorationStrategyType: 'IN_PLACE', pointInTime, ...body },
      180_000,
    );

  /** A restore refused in PITR_PLAN: failed there, every node's problem named, no node's files touched. */
  async function expectRefusedInPlanning(pointInTime: string, expected: RegExp): Promise<OperationView> {
    const before = await Promise.all(system.nodes.map((_, i) => nodeFiles(i)));
    const done = await pitr(pointInTime);
    expect(done.state).toBe('FAILED');
    expect(done.phase).toBe('PITR_PLAN');
    expect(JSON.stringify(done.errors)).toContain('refused in planning, nothing was changed on any node');
    expect(JSON.stringify(done.errors)).toMatch(expected);
    expect(await Promise.all(system.nodes.map((_, i) => nodeFiles(i)))).toEqual(before);
    return done;
  }

  beforeAll(async () => {
    storeRoot = makeTempDir('pitr-store');
    location = `file://${storeRoot}/bucket`;
    system = await DaedalusSystem.start({ nodes: 2, coordinators: 1, nodeTimeoutMs: 10_000 });
    await enableArchiving(system);
    await system.createTables(KS, [TABLE]);
    await writeBatch(system, KS, TABLE, 100, 30);
    backupStart = Date.now();
    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'base', createMissingBucket: true });
    expect(backup.operation.state).toBe('COMPLETED');
    backupName = backup.backupName;
    await writeBatch(system, KS, TABLE, 200, 20);
    for (const [i] of system.nodes.entries()) afterTwoBatches.push(await sim(i).checksum(KS, TABLE));
    point = await nextWholeSecond();
    await writeBatch(system, KS, TABLE, 300, 10);
    await waitUntilArchived(system);
    const commitLogs = await runOperation(system, { type: 'commitlog-backup', storageLocation: location, globalRequest: true });
    expect(commitLogs.errors).toEqual([]);
    expect(commitLogs.state).toBe('COMPLETED');
  }, 300_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  it('answers 400 naming the field for a strategy other than IN_PLACE, a named backup, or a time without a zone', async () => {
    const body = { type: 'restore', storageLocation: location, globalRequest: true, pointInTime: iso(point) };
    const strategy = await system.post('/operations', { ...body, restorationStrategyType: 'IMPORT' });
    expect(strategy.status).toBe(400);
    expect(JSON.stringify(strategy.body)).toContain('restorationStrategyType: a pointInTime restore is IN_PLACE');
    const named = await system.post('/operations', { ...body, restorationStrategyType: 'IN_PLACE', snapshotTag: 'base' });
    expect(named.status).toBe(400);
    expect(JSON.stringify(named.body)).toContain('snapshotTag: not supported: not with pointInTime');
    const zoneless = await system.post('/operations', { ...body, restorationStrategyType: 'IN_PLACE', pointInTime: '2026-11-30T17:00:00' });
    expect(zoneless.status).toBe(400);
    expect(JSON.stringify(zoneless.body)).toContain('pointInTime must be an ISO-8601 date-time with a zone');
  });

  it('refuses running nodes in planning', async () => {
    await expectRefusedInPlanning(iso(point), /needs every node stopped/);
  });

  describe('with every node stopped', () => {
    beforeAll(async () => {
      for (const node of system.nodes) await system.stopSimulator(node, 'SIGTERM');
    }, 120_000);

    it('refuses a time no backup precedes, in planning, with nothing changed', async () => {
      const before = Math.floor(backupStart / 1000) * 1000 - 1000;
      await expectRefusedInPlanning(iso(before), /no complete backup of node [0-9a-f-]+ finished at or before/);
    });

    it("refuses a gap in one node's segments, in planning, with nothing changed on any node", async () => {
      const victim = readdirSync(segmentsOf(1)).sort().at(-2) as string;
      const saved = join(storeRoot, victim);
      copyFileSync(join(segmentsOf(1), victim), saved);
      rmSync(join(segmentsOf(1), victim));
      try {
        const done = await expectRefusedInPlanning(iso(point), /gap: segment \d+ is indexed but its object is missing/);
        const plans = (done.response as { PITR_PLAN?: Record<string, PlanResult> } | undefined)?.PITR_PLAN ?? {};
        // the plan shows what each node would do: the healthy node its backup and segments, the other its gap
        expect(plans[system.nodes[0].hostId]).toMatchObject({ backup: { name: backupName }, problem: null });
        expect(plans[system.nodes[1].hostId]?.problem?.kind).toBe('missing-object');
      } finally {
        copyFileSync(saved, join(segmentsOf(1), victim));
      }
    });

    it('restores every wiped node to a second between batches 2 and 3: each comes back with exactly batches 1 and 2', async () => {
      for (const node of system.nodes) {
        const ksDir = join(node.home, 'data', 'data', KS);
        for (const dir of readdirSync(ksDir, { withFileTypes: true }).filter((d) => d.isDirectory()))
          for (const f of readdirSync(join(ksDir, dir.name), { withFileTypes: true }))
            if (f.isFile()) rmSync(join(ksDir, dir.name, f.name));
      }
      const done = await pitr(iso(point));
      expect(done.errors).toEqual([]);
      expect(done.state).toBe('COMPLETED');
      const response = done.response as {
        PITR_PLAN: Record<string, PlanResult>;
        IN_PLACE: Record<string, { backupName: string }>;
        COMMITLOG: Record<string, { segments: number; state: string; nextSteps: string; restorePointInTime: string }>;
      };
      expect(Object.keys(response)).toEqual(['PITR_PLAN', 'IN_PLACE', 'COMMITLOG']);
      for (const node of system.nodes) {
        expect(response.PITR_PLAN[node.hostId].backup?.name).toBe(backupName);
        expect(response.IN_PLACE[node.hostId].backupName).toBe(backupName);
        expect(response.COMMITLOG[node.hostId].segments).toBe(response.PITR_PLAN[node.hostId].segments?.count);
        expect(response.COMMITLOG[node.hostId].state).toContain('stopped');
        expect(response.COMMITLOG[node.hostId].nextSteps).toContain('Start Cassandra');
      }
      for (const [i, node] of system.nodes.entries()) {
        await system.restartSimulator(node);
        expect(await sim(i).rowCount(KS, TABLE)).toBe(50);
        expect(await sim(i).checksum(KS, TABLE)).toBe(afterTwoBatches[i]);
        expect(await sim(i).readRow(KS, TABLE, `key-${300 + i}-00000000`)).toBeNull();
      }
    });
  });
});
