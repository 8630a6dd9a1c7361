import { RebuildRequest, TokenRangeDto } from '@daedalus/contracts';
import { RebuildExecutor, rebuildOptions } from './rebuild.executor';
import { FakeCassandraNode } from './testing/fake-cassandra-node';
import { recordingContext } from './testing/recording-context';

function request(fields: Partial<RebuildRequest>): RebuildRequest {
  return Object.assign(new RebuildRequest(), fields);
}

function range(start: string, end: string): TokenRangeDto {
  return Object.assign(new TokenRangeDto(), { start, end });
}

describe('rebuildOptions', () => {
  it('writes token ranges as Cassandra parses them and joins the sources', () => {
    expect(
      rebuildOptions(
        request({
          keyspace: 'ks1',
          sourceDC: 'dc2',
          specificTokens: [range('-10', '20'), range('30', '40')],
          specificSources: ['10.0.0.1', '10.0.0.2'],
        }),
      ),
    ).toEqual({ sourceDc: 'dc2', keyspace: 'ks1', tokens: '(-10,20],(30,40]', specificSources: '10.0.0.1,10.0.0.2' });
    expect(rebuildOptions(request({}))).toEqual({
      sourceDc: undefined,
      keyspace: undefined,
      tokens: undefined,
      specificSources: undefined,
    });
  });
});

describe('RebuildExecutor', () => {
  it('rebuilds, checking the keyspace when one is named', async () => {
    const node = new FakeCassandraNode();
    const executor = new RebuildExecutor(node);
    const { context, reports } = recordingContext();
    await executor.execute(request({ keyspace: 'ks1', sourceDC: 'dc1' }), context);
    expect(node.callsOf('rebuild')).toEqual([[{ sourceDc: 'dc1', keyspace: 'ks1', tokens: undefined, specificSources: undefined }]]);
    expect(reports).toEqual([{ fraction: 0.05, message: 'rebuilding ks1 from dc dc1', phase: 'STREAMING' }]);
    await expect(executor.execute(request({ keyspace: 'nope' }), recordingContext().context)).rejects.toThrow(
      'keyspace nope does not exist',
    );
    await executor.execute(request({}), recordingContext().context);
    expect(node.callsOf('rebuild')).toHaveLength(2);
  });

  it('surfaces Cassandra refusing the source dc', async () => {
    const node = new FakeCassandraNode();
    node.failures.set('rebuild', new Error("Provided datacenter 'dc9' is not a valid datacenter"));
    await expect(new RebuildExecutor(node).execute(request({ sourceDC: 'dc9' }), recordingContext().context)).rejects.toThrow(
      "Provided datacenter 'dc9'",
    );
  });
});
