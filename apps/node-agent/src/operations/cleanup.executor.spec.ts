import { CleanupRequest } from '@daedalus/contracts';
import { CleanupExecutor } from './cleanup.executor';
import { OperationRejectedError } from './executor';
import { FakeCassandraNode } from './testing/fake-cassandra-node';
import { eventually, recordingContext } from './testing/recording-context';

function request(fields: Partial<CleanupRequest>): CleanupRequest {
  return Object.assign(new CleanupRequest(), { keyspace: 'ks1', ...fields });
}

describe('CleanupExecutor', () => {
  let node: FakeCassandraNode;
  let executor: CleanupExecutor;

  beforeEach(() => {
    node = new FakeCassandraNode();
    executor = new CleanupExecutor(node, { progressIntervalMs: 5 });
  });

  it('runs forceKeyspaceCleanup with the named tables and jobs 0 (all compaction threads) by default', async () => {
    await executor.execute(request({ tables: ['t1'] }), recordingContext().context);
    expect(node.callsOf('cleanup')).toEqual([['ks1', ['t1'], 0]]);
    await executor.execute(request({ jobs: 3 }), recordingContext().context);
    expect(node.callsOf('cleanup')[1]).toEqual(['ks1', [], 3]);
  });

  it('rejects an unknown keyspace or table before calling Cassandra', async () => {
    await expect(executor.execute(request({ keyspace: 'nope' }), recordingContext().context)).rejects.toThrow(
      new OperationRejectedError('keyspace nope does not exist'),
    );
    await expect(executor.execute(request({ tables: ['t1', 'zz'] }), recordingContext().context)).rejects.toThrow(
      'table(s) zz do not exist in keyspace ks1',
    );
    expect(node.callsOf('cleanup')).toEqual([]);
  });

  it('reports progress from CompactionManager while Cassandra works, over all tables of the keyspace', async () => {
    const { context, reports } = recordingContext();
    node.hold('cleanup');
    const running = executor.execute(request({}), context);
    node.running = [{ id: 'a', keyspace: 'ks1', table: 't1', taskType: 'Cleanup', completed: 50, total: 100, unit: 'bytes' }];
    await eventually(() => reports.length >= 1);
    // t1 half done, t2 not started: a quarter of the work
    expect(reports[0].fraction).toBeCloseTo(0.25 * 0.95);
    expect(reports[0].message).toBe('Cleanup: 0 of 2 table(s) done');
    node.running = [{ id: 'b', keyspace: 'ks1', table: 't2', taskType: 'Cleanup', completed: 10, total: 100, unit: 'bytes' }];
    await eventually(() => reports.length >= 2);
    expect(reports[1].fraction).toBeCloseTo(0.55 * 0.95);
    expect(reports[1].message).toBe('Cleanup: 1 of 2 table(s) done');
    node.release('cleanup');
    await running;
  });

  it('ignores other keyspaces and other kinds of task', async () => {
    const { context, reports } = recordingContext();
    node.hold('cleanup');
    const running = executor.execute(request({}), context);
    node.running = [
      { id: 'x', keyspace: 'other', table: 't1', taskType: 'Cleanup', completed: 90, total: 100, unit: 'bytes' },
      { id: 'y', keyspace: 'ks1', table: 't1', taskType: 'Compaction', completed: 90, total: 100, unit: 'bytes' },
    ];
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(reports).toEqual([]);
    node.release('cleanup');
    await running;
  });

  it('asks Cassandra to stop the cleanup when the operation is cancelled, and again while it still runs', async () => {
    const { context, cancel } = recordingContext();
    node.hold('cleanup');
    const running = executor.execute(request({}), context);
    await eventually(() => node.callsOf('cleanup').length === 1);
    cancel();
    await eventually(() => node.callsOf('stopCompaction').length === 1);
    expect(node.callsOf('stopCompaction')).toEqual([['CLEANUP']]);
    // a task Cassandra starts after the first stop (the next table) is stopped at the next interval
    await eventually(() => node.callsOf('stopCompaction').length >= 3);
    node.release('cleanup');
    await running;
    const stops = node.callsOf('stopCompaction').length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(node.callsOf('stopCompaction')).toHaveLength(stops); // none once the call has settled
  });

  it('does not start when cancelled before it began', async () => {
    const { context, cancel } = recordingContext();
    cancel();
    await executor.execute(request({}), context);
    expect(node.callsOf('cleanup')).toEqual([]);
  });

  it('fails when Cassandra answers a status other than SUCCESSFUL', async () => {
    node.status = 2;
    await expect(executor.execute(request({}), recordingContext().context)).rejects.toThrow(
      /Cassandra answered UNABLE_TO_CANCEL for cleanup of keyspace ks1: Cassandra could not pause/,
    );
    node.status = 1;
    await expect(executor.execute(request({}), recordingContext().context)).rejects.toThrow('Cassandra answered ABORTED for cleanup');
  });
});
