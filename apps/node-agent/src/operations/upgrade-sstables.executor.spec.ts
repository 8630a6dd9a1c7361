import { UpgradeSSTablesRequest } from '@daedalus/contracts';
import { FakeCassandraNode } from './testing/fake-cassandra-node';
import { eventually, recordingContext } from './testing/recording-context';
import { UpgradeSSTablesExecutor } from './upgrade-sstables.executor';

function request(fields: Partial<UpgradeSSTablesRequest>): UpgradeSSTablesRequest {
  return Object.assign(new UpgradeSSTablesRequest(), { keyspace: 'ks1', ...fields });
}

describe('UpgradeSSTablesExecutor', () => {
  let node: FakeCassandraNode;
  let executor: UpgradeSSTablesExecutor;

  beforeEach(() => {
    node = new FakeCassandraNode();
    executor = new UpgradeSSTablesExecutor(node, { progressIntervalMs: 5 });
  });

  it('skips SSTables already current unless includeAllSStables', async () => {
    await executor.execute(request({ tables: ['t1'] }), recordingContext().context);
    await executor.execute(request({ includeAllSStables: true, jobs: 1 }), recordingContext().context);
    expect(node.callsOf('upgradeSSTables')).toEqual([
      ['ks1', ['t1'], { excludeCurrentVersion: true, jobs: 0 }],
      ['ks1', [], { excludeCurrentVersion: false, jobs: 1 }],
    ]);
  });

  it('stops with stopCompaction(UPGRADE_SSTABLES) on cancel', async () => {
    const { context, cancel } = recordingContext();
    node.hold('upgradeSSTables');
    const running = executor.execute(request({}), context);
    await eventually(() => node.callsOf('upgradeSSTables').length === 1);
    cancel();
    await eventually(() => node.callsOf('stopCompaction').length === 1);
    expect(node.callsOf('stopCompaction')).toEqual([['UPGRADE_SSTABLES']]);
    node.release('upgradeSSTables');
    await running;
  });

  it('rejects a table that does not exist', async () => {
    await expect(executor.execute(request({ tables: ['nope'] }), recordingContext().context)).rejects.toThrow(
      'table(s) nope do not exist in keyspace ks1',
    );
  });
});
