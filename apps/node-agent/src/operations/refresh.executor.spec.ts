import { RefreshRequest } from '@daedalus/contracts';
import { RefreshExecutor } from './refresh.executor';
import { FakeCassandraNode } from './testing/fake-cassandra-node';
import { recordingContext } from './testing/recording-context';

function request(table: string, keyspace = 'ks1'): RefreshRequest {
  return Object.assign(new RefreshRequest(), { keyspace, table });
}

describe('RefreshExecutor', () => {
  it('calls StorageService loadNewSSTables for the table', async () => {
    const node = new FakeCassandraNode();
    await new RefreshExecutor(node).execute(request('t2'), recordingContext().context);
    expect(node.callsOf('loadNewSSTables')).toEqual([['ks1', 't2']]);
  });

  it('rejects unknown names and is not cancellable', async () => {
    const node = new FakeCassandraNode();
    const executor = new RefreshExecutor(node);
    await expect(executor.execute(request('t9'), recordingContext().context)).rejects.toThrow('table(s) t9 do not exist in keyspace ks1');
    await expect(executor.execute(request('t1', 'zz'), recordingContext().context)).rejects.toThrow('keyspace zz does not exist');
    expect(node.callsOf('loadNewSSTables')).toEqual([]);
    expect(executor.cancellable).toBe(false);
  });
});
