import { DecommissionRequest } from '@daedalus/contracts';
import { DecommissionExecutor } from './decommission.executor';
import { FakeCassandraNode } from './testing/fake-cassandra-node';
import { eventually, recordingContext } from './testing/recording-context';

function request(force?: boolean): DecommissionRequest {
  return Object.assign(new DecommissionRequest(), force === undefined ? {} : { force });
}

describe('DecommissionExecutor', () => {
  it('decommissions with force false by default and reports LEAVING while Cassandra streams', async () => {
    const node = new FakeCassandraNode();
    const { context, reports } = recordingContext();
    node.hold('decommission');
    const running = new DecommissionExecutor(node, { progressIntervalMs: 5 }).execute(request(), context);
    await eventually(() => node.callsOf('decommission').length === 1);
    node.mode = 'LEAVING';
    await eventually(() => reports.some((r) => r.phase === 'LEAVING'));
    node.release('decommission');
    expect(await running).toEqual({ operationMode: 'DECOMMISSIONED' });
    expect(node.callsOf('decommission')).toEqual([[false]]);
    expect(reports.map((r) => r.phase)).toEqual(['STARTING', 'LEAVING']);
  });

  it('passes force through', async () => {
    const node = new FakeCassandraNode();
    await new DecommissionExecutor(node, { progressIntervalMs: 5 }).execute(request(true), recordingContext().context);
    expect(node.callsOf('decommission')).toEqual([[true]]);
  });

  it.each([
    ['DECOMMISSIONED', 'is already DECOMMISSIONED'],
    ['DRAINED', 'is already DRAINED'],
    ['LEAVING', 'is LEAVING'],
  ])('refuses a node that is %s, naming the mode', async (mode, text) => {
    const node = new FakeCassandraNode();
    node.mode = mode;
    await expect(new DecommissionExecutor(node, { progressIntervalMs: 5 }).execute(request(), recordingContext().context)).rejects.toThrow(
      `cannot decommission: the node ${text}`,
    );
    expect(node.callsOf('decommission')).toEqual([]);
  });

  it('is not cancellable: a cancel lets Cassandra finish and sends no stop', async () => {
    const node = new FakeCassandraNode();
    const executor = new DecommissionExecutor(node, { progressIntervalMs: 5 });
    const { context, cancel } = recordingContext();
    node.hold('decommission');
    const running = executor.execute(request(true), context);
    await eventually(() => node.callsOf('decommission').length === 1);
    cancel();
    await new Promise((resolve) => setTimeout(resolve, 30));
    node.release('decommission');
    expect(await running).toEqual({ operationMode: 'DECOMMISSIONED' });
    expect(executor.cancellable).toBe(false);
    expect(node.callsOf('stopCompaction')).toEqual([]);
  });
});
