import { ScrubRequest } from '@daedalus/contracts';
import { ScrubExecutor } from './scrub.executor';
import { FakeCassandraNode } from './testing/fake-cassandra-node';
import { eventually, recordingContext } from './testing/recording-context';

function request(fields: Partial<ScrubRequest>): ScrubRequest {
  return Object.assign(new ScrubRequest(), { keyspace: 'ks1', ...fields });
}

describe('ScrubExecutor', () => {
  let node: FakeCassandraNode;
  let executor: ScrubExecutor;

  beforeEach(() => {
    node = new FakeCassandraNode();
    executor = new ScrubExecutor(node, { progressIntervalMs: 5 });
  });

  it('maps Icarus fields to Cassandra scrub flags (noValidate is the opposite of checkData)', async () => {
    await executor.execute(request({}), recordingContext().context);
    await executor.execute(
      request({ tables: ['t2'], disableSnapshot: true, skipCorrupted: true, noValidate: true, reinsertOverflowedTTL: true, jobs: 2 }),
      recordingContext().context,
    );
    expect(node.callsOf('scrub')).toEqual([
      ['ks1', [], { disableSnapshot: false, skipCorrupted: false, checkData: true, reinsertOverflowedTTL: false, jobs: 0 }],
      ['ks1', ['t2'], { disableSnapshot: true, skipCorrupted: true, checkData: false, reinsertOverflowedTTL: true, jobs: 2 }],
    ]);
  });

  it('stops a running scrub on cancel with stopCompaction(SCRUB)', async () => {
    const { context, cancel, reports } = recordingContext();
    node.hold('scrub');
    const running = executor.execute(request({ tables: ['t1'] }), context);
    node.running = [{ id: 'a', keyspace: 'ks1', table: 't1', taskType: 'Scrub', completed: 30, total: 100, unit: 'bytes' }];
    await eventually(() => reports.length > 0);
    expect(reports[0].fraction).toBeCloseTo(0.3 * 0.95);
    cancel();
    await eventually(() => node.callsOf('stopCompaction').length === 1);
    expect(node.callsOf('stopCompaction')).toEqual([['SCRUB']]);
    node.release('scrub');
    await running;
  });
});
