import { TruncateRequest } from '@daedalus/contracts';
import { honoursCancel, OperationRejectedError } from './executor';
import { FakeCassandraNode } from './testing/fake-cassandra-node';
import { recordingContext } from './testing/recording-context';
import { TRUNCATE_DISABLED_MESSAGE, TruncateExecutor } from './truncate.executor';

function request(table = 't1'): TruncateRequest {
  return Object.assign(new TruncateRequest(), { keyspace: 'ks1', table });
}

describe('TruncateExecutor', () => {
  it('refuses unless the agent was started with --enable-truncate', async () => {
    const node = new FakeCassandraNode();
    await expect(new TruncateExecutor(node, false).execute(request(), recordingContext().context)).rejects.toThrow(
      new OperationRejectedError(TRUNCATE_DISABLED_MESSAGE),
    );
    expect(node.calls).toEqual([]);
  });

  it('truncates an existing table when enabled, and rejects an unknown one', async () => {
    const node = new FakeCassandraNode();
    const executor = new TruncateExecutor(node, true);
    await executor.execute(request(), recordingContext().context);
    expect(node.callsOf('truncate')).toEqual([['ks1', 't1']]);
    await expect(executor.execute(request('nope'), recordingContext().context)).rejects.toThrow('table(s) nope do not exist');
    // Cassandra cannot stop a truncate: a cancel neither skips nor stops it, named or not as the phase
    expect(honoursCancel(executor)).toBe(false);
    expect(honoursCancel(executor, 'TRUNCATE')).toBe(false);
  });
});
