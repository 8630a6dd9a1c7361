import { plainToInstance } from 'class-transformer';
import { newOperationRecord, NodeProgress, OperationState, SCHEMA_VERSION, TruncateRequest } from '@daedalus/contracts';
import { registration } from '../operations/test-fixtures';
import { truncatePlan } from './truncate.plan';

const record = (globalRequest: boolean) =>
  newOperationRecord(
    'op',
    plainToInstance(TruncateRequest, { type: 'truncate', keyspace: 'ks', table: 't', globalRequest }),
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

describe('truncate plan', () => {
  it('runs a global truncate once, as a one-node phase; a local one as usual', () => {
    expect(truncatePlan.phases(record(true)).map((p) => [p.name, p.on])).toEqual([['TRUNCATE', 'one']]);
    expect(truncatePlan.phases(record(false))).toEqual([]);
  });

  it('leaves it to a node whose agent allows truncate', () => {
    const registrations = [registration('h1'), { ...registration('h2'), capabilities: { truncateEnabled: true } }];
    expect(truncatePlan.context(record(true), targets, registrations, new Date(0))).toEqual({ leader: 'h2' });
  });
});
