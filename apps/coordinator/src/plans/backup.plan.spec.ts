import { plainToInstance } from 'class-transformer';
import { BackupContext, BackupRequest, newOperationRecord, NodeProgress, OperationState, SCHEMA_VERSION } from '@daedalus/contracts';
import { registration } from '../operations/test-fixtures';
import { backupNameFor, backupPlan, baseLocation } from './backup.plan';

const node: NodeProgress = { hostId: 'h1', address: '10.0.0.1', dc: 'dc1', state: OperationState.PENDING, progress: 0 };
const record = (fields: Partial<BackupRequest>) =>
  newOperationRecord('op', plainToInstance(BackupRequest, { type: 'backup', ...fields }), new Date(0), SCHEMA_VERSION);

describe('backup plan', () => {
  it('names a backup by tag and start time', () => {
    expect(backupNameFor('nightly', new Date(1700000000000))).toBe('nightly-1700000000000');
    expect(backupNameFor(undefined, new Date(5))).toBe('autosnap-5');
  });

  it('keeps only protocol and bucket of a global location, in either form', () => {
    expect(baseLocation('s3://bucket/c/d/n')).toMatchObject({ protocol: 's3', bucket: 'bucket' });
    expect(baseLocation('s3://bucket')).toMatchObject({ protocol: 's3', bucket: 'bucket' });
    expect(baseLocation('file:///var/backups/bucket')).toMatchObject({ protocol: 'file', bucket: 'bucket', root: '/var/backups' });
  });

  it('commits a global backup on one node after every node uploaded; a local one has no commit', () => {
    expect(backupPlan.phases(record({ globalRequest: true, storageLocation: 's3://b' })).map((p) => [p.name, p.on])).toEqual([
      ['UPLOAD', 'all'],
      ['COMMIT', 'one'],
    ]);
    expect(backupPlan.phases(record({ storageLocation: 's3://b/c/d/n' })).map((p) => p.name)).toEqual(['UPLOAD']);
  });

  it('gives each node of a global backup its own <bucket>/<cluster>/<dc>/<hostId> location', () => {
    const global = record({ globalRequest: true, storageLocation: 'file:///var/backups/bucket', snapshotTag: 'nightly' });
    const context = backupPlan.context(global, [node], [registration('h1')], new Date(42)) as BackupContext;
    expect(context).toMatchObject({ backupName: 'nightly-42', clusterName: 'test', participants: [{ hostId: 'h1', dc: 'dc1' }] });
    const request = backupPlan.nodeRequest({ ...global, context }, node);
    expect(request).toMatchObject({ storageLocation: 'file:///var/backups/bucket/test/dc1/h1', globalRequest: false, hostId: 'h1' });
  });

  it("replaces a global location's cluster/dc/node segments with the real ones, for a file:// node form with any node id", () => {
    for (const storageLocation of [
      'file:///var/backups/bucket/old-name/dc1/node1',
      'file:///var/backups/bucket/c/dc1/0b1c6f5e-1b2a-4c3d-8e9f-000000000001',
    ]) {
      const global = record({ globalRequest: true, storageLocation });
      const context = backupPlan.context(global, [node], [registration('h1')], new Date(42)) as BackupContext;
      expect(backupPlan.nodeRequest({ ...global, context }, node)).toMatchObject({
        storageLocation: 'file:///var/backups/bucket/test/dc1/h1',
      });
    }
    const cloud = record({ globalRequest: true, storageLocation: 's3://bucket/placeholder/dc9/pod-0' });
    const context = backupPlan.context(cloud, [node], [registration('h1')], new Date(42)) as BackupContext;
    expect(backupPlan.nodeRequest({ ...cloud, context }, node)).toMatchObject({ storageLocation: 's3://bucket/test/dc1/h1' });
  });

  it('names the nodes a backup goes without in its context, and keeps skipDownNodes from the nodes (a local backup refuses it)', () => {
    const global = record({ globalRequest: true, storageLocation: 's3://b', skipDownNodes: true });
    const missing = [{ hostId: 'h2', address: '10.0.0.2', dc: 'dc1' }];
    const context = backupPlan.context(global, [node], [registration('h1')], new Date(42), missing) as BackupContext;
    expect(context.missingNodes).toEqual(missing);
    expect(backupPlan.context(global, [node], [registration('h1')], new Date(42), [])).not.toHaveProperty('missingNodes');
    expect(backupPlan.nodeRequest({ ...global, context }, node)).not.toHaveProperty('skipDownNodes');
  });

  it('a consistent backup snapshots every node in a phase of its own, then uploads and commits; the nodes never see the hooks', () => {
    const consistent = record({ globalRequest: true, storageLocation: 's3://b', consistency: { pauseHooks: ['app'] } });
    expect(backupPlan.phases(consistent).map((p) => [p.name, p.on, p.cancelBefore])).toEqual([
      ['SNAPSHOT', 'all', true],
      ['UPLOAD', 'all', true],
      ['COMMIT', 'one', true],
    ]);
    const context = backupPlan.context(consistent, [node], [registration('h1')], new Date(42), []) as BackupContext;
    expect(backupPlan.nodeRequest({ ...consistent, context }, node)).not.toHaveProperty('consistency');
  });
});
