import { JmxArg, JmxClient, JmxError, JmxValue } from '@daedalus/jmx';
import { JmxCassandraNode } from './jmx-cassandra-node';

interface Invocation {
  objectName: string;
  operation: string;
  types: string[];
  values: JmxValue[];
}

/** Answers attributes from a table and records invocations with their signature. */
class ScriptedJmx implements JmxClient {
  readonly invocations: Invocation[] = [];
  constructor(
    private readonly attributes: Record<string, JmxValue>,
    private readonly names: string[] = [],
    private readonly answer: (operation: string) => JmxValue | Promise<JmxValue> = () => 0,
  ) {}
  async getAttribute(_objectName: string, attribute: string): Promise<JmxValue> {
    if (!(attribute in this.attributes)) throw new JmxError('signature', `no attribute ${attribute}`);
    return this.attributes[attribute];
  }
  async setAttribute(): Promise<void> {}
  async invoke(objectName: string, operation: string, args: JmxArg[]): Promise<JmxValue> {
    this.invocations.push({ objectName, operation, types: args.map((a) => a.type), values: args.map((a) => a.value) });
    return this.answer(operation);
  }
  async queryNames(): Promise<string[]> {
    return this.names;
  }
  async describe(): Promise<never> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

const SS = 'org.apache.cassandra.db:type=StorageService';

describe('JmxCassandraNode', () => {
  it.each([
    ['4.0.14', ['java.lang.String', 'boolean', 'int', '[Ljava.lang.String;']],
    ['4.1.7', ['java.lang.String', 'boolean', 'long', 'int', '[Ljava.lang.String;']],
    ['5.0.2', ['java.lang.String', 'boolean', 'long', 'int', '[Ljava.lang.String;']],
  ])('upgradeSSTables on %s uses the signature that version has', async (version, types) => {
    const jmx = new ScriptedJmx({ ReleaseVersion: version });
    await new JmxCassandraNode(jmx).upgradeSSTables('ks', ['t'], { excludeCurrentVersion: true, jobs: 2 });
    expect(jmx.invocations[0]).toMatchObject({ objectName: SS, operation: 'upgradeSSTables', types });
    if (types.includes('long')) expect(jmx.invocations[0].values[2]).toBe('9223372036854775807');
  });

  it.each([
    ['4.1.7', 4],
    ['5.0-rc1', 5],
  ])('rebuild on %s passes %i arguments', async (version, count) => {
    const jmx = new ScriptedJmx({ ReleaseVersion: version }, [], () => null);
    await new JmxCassandraNode(jmx).rebuild({ sourceDc: 'dc1', tokens: '(1,2]' });
    expect(jmx.invocations[0].values).toEqual(['dc1', null, '(1,2]', null, ...(count === 5 ? [false] : [])]);
  });

  it.each([
    ['4.0.14', 8],
    ['5.0.2', 10],
  ])('importNewSSTables on %s goes to the table MBean with %i arguments', async (version, count) => {
    const jmx = new ScriptedJmx({ ReleaseVersion: version }, [], () => ['/failed']);
    const failed = await new JmxCassandraNode(jmx).importNewSSTables('ks', 't', ['/d'], {
      resetLevel: true,
      clearRepaired: false,
      verifySSTables: true,
      verifyTokens: false,
      invalidateCaches: true,
      extendedVerify: false,
      copyData: true,
    });
    expect(failed).toEqual(['/failed']);
    const call = jmx.invocations[0];
    expect(call.objectName).toBe('org.apache.cassandra.db:type=Tables,keyspace=ks,table=t');
    expect(call.types[0]).toBe('java.util.Set');
    expect(call.values).toEqual([['/d'], true, false, true, false, true, false, true, ...(count === 10 ? [false, true] : [])]);
  });

  it.each([
    ['4.0.14', [true, false]],
    ['4.1.7', [true, false]],
    ['5.0.2', [false, true]],
  ])('scrub on %s passes checkData and reinsertOverflowedTTL so the table gets what was asked (4.x swaps them)', async (version, sent) => {
    const jmx = new ScriptedJmx({ ReleaseVersion: version });
    const options = { disableSnapshot: true, skipCorrupted: false, checkData: false, reinsertOverflowedTTL: true, jobs: 2 };
    await new JmxCassandraNode(jmx).scrub('ks', ['t'], options);
    expect(jmx.invocations[0].values).toEqual([true, false, ...sent, 2, 'ks', ['t']]);
  });

  it("reads a table's live directories and its live SSTable count", async () => {
    const jmx = new ScriptedJmx({ DataPaths: ['/d1/ks/t-0123', '/d2/ks/t-0123'], Value: 3 });
    const node = new JmxCassandraNode(jmx);
    expect(await node.tableDataPaths('ks', 't')).toEqual(['/d1/ks/t-0123', '/d2/ks/t-0123']);
    expect(await node.liveSSTableCount('ks', 't')).toBe(3);
    await expect(new JmxCassandraNode(new ScriptedJmx({ Value: -1 })).liveSSTableCount('ks', 't')).rejects.toThrow('LiveSSTableCount');
  });

  it('groups the Tables MBeans into a schema, keeping keyspaces without tables', async () => {
    const jmx = new ScriptedJmx({ Keyspaces: ['ks', 'empty', 'system'] }, [
      'org.apache.cassandra.db:type=Tables,keyspace=ks,table=b',
      'org.apache.cassandra.db:keyspace=ks,table=a,type=Tables',
      'org.apache.cassandra.db:type=Tables,keyspace=system,table=local',
      'org.apache.cassandra.db:type=Tables,keyspace=late,table=x',
    ]);
    expect(await new JmxCassandraNode(jmx).schema()).toEqual({ ks: ['a', 'b'], empty: [], system: ['local'] });
  });

  it('reads running compactions from CompactionManager', async () => {
    const jmx = new ScriptedJmx({
      Compactions: [
        { id: 'i', compactionId: 'c', keyspace: 'ks', columnfamily: 't', completed: '10', total: '40', taskType: 'Cleanup', unit: 'bytes' },
        'garbage',
      ],
    });
    expect(await new JmxCassandraNode(jmx).compactions()).toEqual([
      { id: 'c', keyspace: 'ks', table: 't', completed: 10, total: 40, taskType: 'Cleanup', unit: 'bytes' },
    ]);
  });

  it('turns the timeout of a long operation into a plain error (not retried: Cassandra may still be at it)', async () => {
    const jmx = new ScriptedJmx({}, [], () => {
      throw new JmxError('timeout', 'late');
    });
    const error = await new JmxCassandraNode(jmx, { operationTimeoutMs: 5 }).drain().catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(JmxError);
    expect((error as Error).message).toBe('drain did not finish within 5 ms; Cassandra may still be running it');
  });

  it('rejects a status that is not an int', async () => {
    const jmx = new ScriptedJmx({}, [], () => 'zero');
    await expect(new JmxCassandraNode(jmx).cleanup('ks', [], 0)).rejects.toThrow('forceKeyspaceCleanup: expected an int status');
  });
});
