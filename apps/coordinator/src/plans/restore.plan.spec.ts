import { plainToInstance } from 'class-transformer';
import { newOperationRecord, NodeProgress, OperationState, RestoreRequest, SCHEMA_VERSION } from '@daedalus/contracts';
import { registration } from '../operations/test-fixtures';
import { checkInit, checkPointInTimePlan, restorePlan } from './restore.plan';

const record = (fields: Partial<RestoreRequest>) =>
  newOperationRecord(
    'op',
    plainToInstance(RestoreRequest, { type: 'restore', storageLocation: 's3://b', snapshotTag: 't', ...fields }),
    new Date(0),
    SCHEMA_VERSION,
  );

describe('restore plan', () => {
  it('runs every phase for a global restore, truncating on one node, never cancelled after TRUNCATE', () => {
    const phases = restorePlan.phases(record({ globalRequest: true }));
    expect(phases.map((p) => [p.name, p.on])).toEqual([
      ['INIT', 'all'],
      ['DOWNLOAD', 'all'],
      ['TRUNCATE', 'one'],
      ['IMPORT', 'all'],
      ['CLEANUP', 'all'],
    ]);
    expect(phases.filter((p) => p.cancelBefore === false).map((p) => p.name)).toEqual(['IMPORT', 'CLEANUP']);
  });

  it('runs the whole restore for a global request starting at DOWNLOAD (Icarus 1.x), one phase with singlePhase', () => {
    const names = (fields: Partial<RestoreRequest>) => restorePlan.phases(record({ globalRequest: true, ...fields })).map((p) => p.name);
    expect(names({ restorationPhase: 'DOWNLOAD' })).toEqual(['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP']);
    expect(names({ restorationPhase: 'DOWNLOAD', singlePhase: true })).toEqual(['DOWNLOAD']);
    expect(names({ restorationPhase: 'IMPORT', singlePhase: true, import: { sourceDir: '/s' } })).toEqual(['IMPORT']);
    expect(restorePlan.phases(record({ globalRequest: true, restorationPhase: 'IMPORT', singlePhase: true }))[0].on).toBe('all');
  });

  it("reads each node's backup under the real cluster/dc/host, whatever segments a global location had; a local one as sent", () => {
    const node: NodeProgress = { hostId: 'h1', address: '10.0.0.1', dc: 'dc1', state: OperationState.PENDING, progress: 0 };
    const global = record({ globalRequest: true, storageLocation: 'gcp://bucket/cluster1/dc1/node1' });
    const context = restorePlan.context(global, [node], [registration('h1')], new Date(0));
    expect(restorePlan.nodeRequest({ ...global, context }, node)).toMatchObject({
      storageLocation: 'gcp://bucket/test/dc1/h1',
      globalRequest: false,
      hostId: 'h1',
    });
    const local = record({ storageLocation: 'gcp://bucket/other/dc1/node1', hostId: 'h1' });
    expect(restorePlan.nodeRequest(local, node)).toMatchObject({ storageLocation: 'gcp://bucket/other/dc1/node1' });
  });

  it('runs a dry run as PLAN alone on every node, whose results must agree as INIT’s must', () => {
    const [plan] = restorePlan.phases(record({ globalRequest: true, dryRun: true }));
    expect(plan).toMatchObject({ name: 'PLAN', on: 'all', cancelDuring: true });
    expect(plan.afterAll?.({ h1: { backupName: 'b-1', schemaVersion: 's' }, h2: { backupName: 'b-1', schemaVersion: 's' } })).toMatchObject(
      {
        ok: true,
      },
    );
    expect(
      plan.afterAll?.({ h1: { backupName: 'b-1', schemaVersion: 's1' }, h2: { backupName: 'b-1', schemaVersion: 's2' } }),
    ).toMatchObject({
      ok: false,
      error: expect.stringMatching(/one schema version/),
    });
  });

  it('runs just the named phase of a local request, and IN_PLACE as one phase', () => {
    expect(restorePlan.phases(record({ restorationPhase: 'IMPORT' })).map((p) => p.name)).toEqual(['IMPORT']);
    expect(restorePlan.phases(record({ restorationStrategyType: 'IN_PLACE' })).map((p) => p.name)).toEqual(['IN_PLACE']);
  });

  it('passes INIT only when every node found the same backup and one schema version', () => {
    expect(checkInit({ h1: { backupName: 'b-1', schemaVersion: 's' }, h2: { backupName: 'b-1', schemaVersion: 's' } })).toEqual({
      ok: true,
      context: { backupName: 'b-1' },
    });
    expect(checkInit({ h1: { backupName: 'b-1', schemaVersion: 's' }, h2: { backupName: 'b-2', schemaVersion: 's' } })).toEqual({
      ok: false,
      error: 'nodes resolved different backups: h1=b-1, h2=b-2',
    });
    expect(checkInit({ h1: { backupName: 'b-1', schemaVersion: 's1' }, h2: { backupName: 'b-1', schemaVersion: 's2' } })).toEqual({
      ok: false,
      error: 'the cluster does not agree on one schema version: h1=s1, h2=s2',
    });
  });

  it('plans before a point-in-time restore changes anything, and never cancels the commit logs once the backup is in place', () => {
    const phases = restorePlan.phases(
      record({ globalRequest: true, restorationStrategyType: 'IN_PLACE', pointInTime: '2026-11-30T17:00:00Z' }),
    );
    expect(phases.map((p) => [p.name, p.on, p.cancelBefore])).toEqual([
      ['PITR_PLAN', 'all', true],
      ['IN_PLACE', 'all', true],
      ['COMMITLOG', 'all', false],
    ]);
    expect(phases[0].afterAll).toBeDefined();
  });

  it('fails the point-in-time restore in planning when any node has a problem, naming each', () => {
    expect(checkPointInTimePlan({ h1: { problem: null }, h2: { problem: null } })).toEqual({ ok: true });
    const verdict = checkPointInTimePlan({
      h1: { problem: null },
      h2: { problem: { kind: 'gap', message: 'segment 7 missing' } },
      h3: { problem: { kind: 'no-backup', message: 'no backup before' } },
    });
    expect(verdict).toEqual({
      ok: false,
      error: expect.stringContaining('nothing was changed on any node: h2: segment 7 missing; h3: no backup before'),
    });
  });
});
