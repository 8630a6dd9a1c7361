import { DrainRequest } from '@daedalus/contracts';
import { DrainExecutor } from './drain.executor';
import { FakeCassandraNode } from './testing/fake-cassandra-node';
import { recordingContext } from './testing/recording-context';

describe('DrainExecutor', () => {
  it('drains a NORMAL node and returns the new mode', async () => {
    const node = new FakeCassandraNode();
    const result = await new DrainExecutor(node).execute(new DrainRequest(), recordingContext().context);
    expect(result).toEqual({ operationMode: 'DRAINED' });
    expect(node.callsOf('drain')).toEqual([[]]);
  });

  it.each([
    ['DRAINED', 'cannot drain: the node is already DRAINED'],
    ['DRAINING', 'cannot drain: the node is DRAINING'],
    ['DECOMMISSIONED', 'cannot drain: the node is already DECOMMISSIONED'],
  ])('refuses a node that is %s, naming the mode', async (mode, message) => {
    const node = new FakeCassandraNode();
    node.mode = mode;
    await expect(new DrainExecutor(node).execute(new DrainRequest(), recordingContext().context)).rejects.toThrow(message);
    expect(node.callsOf('drain')).toEqual([]);
  });
});
