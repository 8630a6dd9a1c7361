import { newOperationRecord, NodeProgress, OperationState, parseOperationRequest, SCHEMA_VERSION } from '@daedalus/contracts';
import { registration } from '../operations/test-fixtures';
import { commitLogPlan } from './commitlog.plan';

const targets: NodeProgress[] = ['h1', 'h2'].map((hostId) => ({
  hostId,
  address: `10.0.0.${hostId.slice(-1)}`,
  dc: hostId === 'h1' ? 'dc1' : 'dc2',
  state: OperationState.PENDING,
  progress: 0,
}));

function started(body: Record<string, unknown>) {
  const record = newOperationRecord('op', parseOperationRequest(body), new Date(0), SCHEMA_VERSION);
  const registrations = [
    { ...registration('h1'), clusterName: 'prod' },
    { ...registration('h2', 'dc2'), clusterName: 'prod' },
  ];
  return { ...record, context: commitLogPlan.context(record, targets, registrations, new Date(0)) };
}

describe('commit-log plan', () => {
  it('runs one phase; a global request writes each node under its own cluster/dc/hostId', () => {
    const record = started({ type: 'commitlog-backup', storageLocation: 's3://bucket/any/dc/node', globalRequest: true });
    expect(commitLogPlan.phases(record)).toEqual([]);
    expect(targets.map((t) => commitLogPlan.nodeRequest(record, t).storageLocation)).toEqual([
      's3://bucket/prod/dc1/h1',
      's3://bucket/prod/dc2/h2',
    ]);
    expect(commitLogPlan.nodeRequest(record, targets[0])).toMatchObject({ globalRequest: false, hostId: 'h1' });
  });

  it('leaves a node-local request where it points', () => {
    const body = { type: 'commitlog-restore', storageLocation: 's3://bucket/c/dc1/h1', timestampEnd: 1_000 };
    expect(commitLogPlan.nodeRequest(started(body), targets[0]).storageLocation).toBe('s3://bucket/c/dc1/h1');
  });
});
