import { plainToInstance } from 'class-transformer';
import { newOperationRecord, NodeProgress, OperationState, RemoveBackupRequest, SCHEMA_VERSION } from '@daedalus/contracts';
import { registration } from '../operations/test-fixtures';
import { removeBackupPlan } from './remove-backup.plan';

const record = (globalRequest: boolean) =>
  newOperationRecord(
    'op',
    plainToInstance(RemoveBackupRequest, { type: 'remove-backup', storageLocation: 's3://bucket', removeOldest: true, globalRequest }),
    new Date(0),
    SCHEMA_VERSION,
  );
const targets: NodeProgress[] = ['h1', 'h2'].map((hostId) => ({
  hostId,
  address: `10.0.0.${hostId.slice(-1)}`,
  dc: 'dc1',
  state: OperationState.PENDING,
  progress: 0,
}));

describe('remove-backup plan', () => {
  it('tombstones on one node, then sweeps on every node; a node-local removal too', () => {
    for (const global of [true, false])
      expect(removeBackupPlan.phases(record(global)).map((p) => [p.name, p.on])).toEqual([
        ['TOMBSTONE', 'one'],
        ['SWEEP', 'all'],
      ]);
  });

  it('says whether the request was global, and sends each node its own prefix', () => {
    const global = record(true);
    const context = removeBackupPlan.context(global, targets, [registration('h1'), registration('h2')], new Date(0));
    expect(context).toEqual(expect.objectContaining({ global: true, participants: expect.any(Array) }));
    const withContext = { ...global, context };
    const clusterName = (context as { clusterName: string }).clusterName;
    expect(removeBackupPlan.nodeRequest(withContext, targets[1])).toEqual(
      expect.objectContaining({ storageLocation: `s3://bucket/${clusterName}/dc1/h2`, globalRequest: false, hostId: 'h2' }),
    );
    expect(removeBackupPlan.context(record(false), targets, [], new Date(0))).toEqual(expect.objectContaining({ global: false }));
  });
});
