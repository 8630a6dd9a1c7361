/**
 * Retention after each successful backup, through real NATS: a coordinator started with
 * `--retention-policies-file` submits one `remove-backup` carrying the location's policy when a global backup
 * completes, under the id derived from the backup's, and the backup's record names it. What the removal then
 * does is remove-backup's (its own tests); here: it was submitted exactly once, as specified, and a backup to
 * a location without a policy submits nothing. A policies file with a bad entry stops the coordinator.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { retentionOperationId } from '@daedalus/contracts';
import { makeTempDir, removeDir } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { runBackup } from './backup-support';

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
    writeFileSync(policies, JSON.stringify([{ storageLocation: withPolicy, policy: { keepLast: 2, incompleteGrace: 'PT6H' } }]));
    system = await DaedalusSystem.start({ nodes: 1, coordinators: 1, coordinatorArgs: ['--retention-policies-file', policies] });
    await system.createTables('shop', ['orders'], 20);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (dir) removeDir(dir);
  }, 60_000);

  it('submits one remove-backup with the policy when a global backup completes, named in the backup’s record', async () => {
    const backup = await runBackup(system, { storageLocation: withPolicy, snapshotTag: 'nightly', createMissingBucket: true });
    expect(backup.operation.state).toBe('COMPLETED');
    const removalId = retentionOperationId(backup.operation.id);
    // the record is updated right after the submission: read it until it names the removal
    let record = backup.operation as OperationView & { retentionOperationId?: string };
    for (let i = 0; i < 100 && record.retentionOperationId === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      record = (await system.get(`/operations/${backup.operation.id}`)).body as typeof record;
    }
    expect(record.retentionOperationId).toBe(removalId);

    const removal = await system.waitForOperation(removalId, undefined, 60_000);
    // the request recorded is the one the policy asked for (the view flattens it beside the status fields)
    expect(removal).toMatchObject({
      type: 'remove-backup',
      storageLocation: withPolicy,
      globalRequest: true,
      retention: { keepLast: 2, incompleteGrace: 'PT6H' },
    });
    // Until remove-backup with `retention` is merged, this branch's coordinator refuses the request as "not supported
    // yet" (a FAILED record, made once); once merged, the lead asserts COMPLETED and what the policy removed here.
    expect(['FAILED', 'COMPLETED']).toContain(removal.state);

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
