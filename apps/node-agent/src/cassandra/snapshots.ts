import { JmxClient, JmxError, jmxArgs } from '@daedalus/jmx';

const STORAGE_SERVICE = 'org.apache.cassandra.db:type=StorageService';

/** Snapshots of the node's tables, over JMX (signatures per shared/reference/cassandra.md). */
export abstract class CassandraSnapshots {
  /**
   * Takes snapshot `tag` of the entities (all keyspace names, or all "ks.table" names). Returns false when a
   * snapshot with that tag already existed (a repeated command), which callers treat as done.
   */
  abstract take(tag: string, entities: string[], skipFlush: boolean): Promise<boolean>;
  abstract clear(tag: string, keyspaces: string[]): Promise<void>;
}

export class JmxCassandraSnapshots extends CassandraSnapshots {
  constructor(
    private readonly jmx: JmxClient,
    private readonly releaseVersion: () => Promise<string>,
  ) {
    super();
  }

  async take(tag: string, entities: string[], skipFlush: boolean): Promise<boolean> {
    try {
      await this.jmx.invoke(
        STORAGE_SERVICE,
        'takeSnapshot',
        [jmxArgs.string(tag), jmxArgs.map({ skipFlush: String(skipFlush) }), jmxArgs.stringArray(entities)],
        { timeoutMs: 30 * 60_000 },
      );
      return true;
    } catch (error) {
      if (error instanceof JmxError && error.kind === 'remote' && /already exists/i.test(error.message)) return false;
      throw error;
    }
  }

  async clear(tag: string, keyspaces: string[]): Promise<void> {
    // 5.0 deprecates the two-argument form in favour of one taking an options map.
    const major = Number((await this.releaseVersion()).split('.')[0]);
    const args =
      major >= 5
        ? [{ type: 'java.util.Map', value: {} }, jmxArgs.string(tag), jmxArgs.stringArray(keyspaces)]
        : [jmxArgs.string(tag), jmxArgs.stringArray(keyspaces)];
    await this.jmx.invoke(STORAGE_SERVICE, 'clearSnapshot', args, { timeoutMs: 10 * 60_000 });
  }
}
