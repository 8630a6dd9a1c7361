/**
 * Retention after each successful backup, through real NATS: a coordinator started with
 * `--retention-policies-file` submits one `remove-backup` carrying the location's policy when a global backup
 * completes, under the id derived from the backup's, and the backup's record names it; the removal completes
 * and, with `keepLast: 1`, the second backup's removal tombstones the first (gone from the listing). A backup to
 * a location without a policy submits nothing. A policies file with a bad entry stops the coordinator.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { retentionOperationId } from '@daedalus/contracts';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { runBackup } from './backup-support';

const CLUSTER = 'daedalus-test';

describe('retention after a successful backup', () => {
  let system: DaedalusSystem;
  let dir: string;
  let withPolicy: string;
  let withoutPolicy: string;

  beforeAll(async () => {
    dir = makeTempDir('retention-after-backup');
    withPolicy = `file://${dir}/kept`;
    withoutPolicy = `file://${dir}/other`;
    const policies = join(dir, 'retention.json');
    writeFileSync(policies, JSON.stringify([{ storageLocation: withPolicy, policy: { keepLast: 1, incompleteGrace: 'PT6H' } }]));
    system = await DaedalusSystem.start({ nodes: 1, coordinators: 1, coordinatorArgs: ['--retention-policies-file', policies] });
    await system.createTables('shop', ['orders'], 20);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (dir) removeDir(dir);
  }, 60_000);

  /** The retention removal a completed backup submitted, once its record names it, run to its end. */
  async function retentionRemovalOf(backup: OperationView): Promise<OperationView> {
    const removalId = retentionOperationId(backup.id);
    // the record is updated right after the submission: read it until it names the removal
    let record = backup as OperationView & { retentionOperationId?: string };
    for (let i = 0; i < 100 && record.retentionOperationId === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      record = (await system.get(`/operations/${backup.id}`)).body as typeof record;
    }
    expect(record.retentionOperationId).toBe(removalId);
    return system.waitForOperation(removalId, undefined, 120_000);
  }
  const removedBy = (removal: OperationView) =>
    Object.values((removal.response as { TOMBSTONE: Record<string, { removed: Array<{ name: string }> }> }).TOMBSTONE).flatMap((r) =>
      r.removed.map((b) => b.name),
    );
  const listed = async (at: string) =>
    ((await system.get(`/backups?storageLocation=${encodeURIComponent(at)}`)).body as Array<{ name: string }>).map((b) => b.name);

  it('submits one remove-backup with the policy when a global backup completes, which removes what the policy drops', async () => {
    const first = await runBackup(system, { storageLocation: withPolicy, snapshotTag: 'nightly', createMissingBucket: true });
    expect(first.operation.state).toBe('COMPLETED');
    const firstRemoval = await retentionRemovalOf(first.operation);
    // the request recorded is the one the policy asked for (the view flattens it beside the status fields)
    expect(firstRemoval).toMatchObject({
      type: 'remove-backup',
      storageLocation: withPolicy,
      globalRequest: true,
      retention: { keepLast: 1, incompleteGrace: 'PT6H' },
    });
    expect(firstRemoval.errors).toEqual([]);
    expect(firstRemoval.state).toBe('COMPLETED');
    expect(removedBy(firstRemoval)).toEqual([]); // keepLast 1 over one backup keeps it
    expect(await listed(withPolicy)).toEqual([first.backupName]);

    const second = await runBackup(system, { storageLocation: withPolicy, snapshotTag: 'nightly' });
    expect(second.operation.state).toBe('COMPLETED');
    const secondRemoval = await retentionRemovalOf(second.operation);
    expect(secondRemoval.errors).toEqual([]);
    expect(secondRemoval.state).toBe('COMPLETED');
    expect(removedBy(secondRemoval)).toEqual([first.backupName]);
    expect(await listed(withPolicy)).toEqual([second.backupName]);
    expect(existsSync(join(dir, 'kept', CLUSTER, 'removed', `${first.backupName}.json`))).toBe(true);
    expect(existsSync(join(dir, 'kept', CLUSTER, 'backups', `${first.backupName}.json`))).toBe(false);

    const elsewhere = await runBackup(system, { storageLocation: withoutPolicy, snapshotTag: 'nightly', createMissingBucket: true });
    expect(elsewhere.operation.state).toBe('COMPLETED');
    const other = await system.request('GET', `/operations/${retentionOperationId(elsewhere.operation.id)}`);
    expect(other.status).toBe(404);
    expect((elsewhere.operation as { retentionOperationId?: string }).retentionOperationId).toBeUndefined();
  });

  it('a coordinator whose policies file has a bad entry does not start, naming the field', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ storageLocation: withPolicy, policy: { keepWithin: 'soon' } }]));
    const run = spawnSync(process.execPath, ['dist/apps/coordinator/src/main.js', '--retention-policies-file', bad], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr + run.stdout).toMatch(/\[0\]\.policy\.keepWithin must be an ISO-8601 duration/);
  });
});
