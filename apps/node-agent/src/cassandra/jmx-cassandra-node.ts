import { JmxArg, JmxClient, JmxError, JmxValue, jmxArgs } from '@daedalus/jmx';
import {
  CassandraNode,
  ClusterNodeView,
  CompactionKind,
  CompactionTask,
  ImportOptions,
  NodeDescription,
  RangeReplicas,
  RebuildOptions,
  SchemaView,
  ScrubOptions,
  UpgradeOptions,
} from './cassandra-node';
import { MBeans, stripPort } from './mbeans';
import { atLeast, parseReleaseVersion, ReleaseVersion } from './release-version';

/** Java's Long.MAX_VALUE: upgradeSSTables' "no maximum timestamp", as nodetool passes it. */
const NO_MAX_TIMESTAMP = '9223372036854775807';

function asString(value: JmxValue, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what}: expected a string from JMX, got ${JSON.stringify(value)}`);
  return value;
}

function asStringList(value: JmxValue, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new Error(`${what}: expected a list of strings from JMX`);
  }
  return value;
}

function asStringMap(value: JmxValue, what: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what}: expected a map from JMX`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function asStatus(value: JmxValue, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${what}: expected an int status from JMX`);
  return value;
}

/** "ks" and "table" out of an ObjectName such as org.apache.cassandra.db:type=Tables,keyspace=ks,table=t */
function objectNameKey(name: string, key: string): string | undefined {
  return new RegExp(`[,:]${key}=([^,]+)`).exec(name)?.[1];
}

function toCompactionTask(entry: JmxValue): CompactionTask | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return undefined;
  const field = (name: string) => (entry[name] === undefined || entry[name] === null ? '' : String(entry[name]));
  const completed = Number(field('completed'));
  const total = Number(field('total'));
  if (!Number.isFinite(completed) || !Number.isFinite(total)) return undefined;
  return {
    id: field('compactionId') || field('id'),
    keyspace: field('keyspace'),
    table: field('columnfamily'),
    taskType: field('taskType'),
    completed,
    total,
    unit: field('unit'),
  };
}

export interface JmxCassandraNodeOptions {
  /** bound for quick reads (attributes, queries) */
  callTimeoutMs?: number;
  /** bound for one long operation (cleanup, scrub, rebuild, decommission, ...) */
  operationTimeoutMs?: number;
}

/** CassandraNode over JMX. Attribute names and signatures follow shared/reference/cassandra.md for 4.0–5.0. */
export class JmxCassandraNode extends CassandraNode {
  private readonly callTimeoutMs: number;
  private readonly operationTimeoutMs: number;

  constructor(
    private readonly jmx: JmxClient,
    options: JmxCassandraNodeOptions = {},
  ) {
    super();
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 24 * 3600_000;
  }

  private attribute(objectName: string, name: string): Promise<JmxValue> {
    return this.jmx.getAttribute(objectName, name, { timeoutMs: this.callTimeoutMs });
  }

  private ss(name: string): Promise<JmxValue> {
    return this.attribute(MBeans.storageService, name);
  }

  /**
   * A long operation. Its timeout is not a passing hiccup: Cassandra may still be working on it, so it
   * surfaces as a plain error (the command is not re-run) that says so.
   */
  private async invokeLong(objectName: string, operation: string, args: JmxArg[]): Promise<JmxValue> {
    try {
      return await this.jmx.invoke(objectName, operation, args, { timeoutMs: this.operationTimeoutMs });
    } catch (error) {
      if (error instanceof JmxError && error.kind === 'timeout') {
        throw new Error(`${operation} did not finish within ${this.operationTimeoutMs} ms; Cassandra may still be running it`);
      }
      throw error;
    }
  }

  private async version(): Promise<ReleaseVersion> {
    return parseReleaseVersion(await this.releaseVersion());
  }

  async describe(): Promise<NodeDescription> {
    const [hostId, clusterName, tokens, releaseVersion, schemaVersion, operationMode, endpoints, dc, rack] = await Promise.all([
      this.ss('LocalHostId'),
      this.ss('ClusterName'),
      this.ss('Tokens'),
      this.ss('ReleaseVersion'),
      this.ss('SchemaVersion'),
      this.ss('OperationMode'),
      this.ss('HostIdToEndpointWithPort'),
      this.attribute(MBeans.endpointSnitchInfo, 'Datacenter'),
      this.attribute(MBeans.endpointSnitchInfo, 'Rack'),
    ]);
    const id = asString(hostId, 'LocalHostId');
    const endpoint = asStringMap(endpoints, 'HostIdToEndpointWithPort')[id];
    if (!endpoint) throw new Error(`the node does not list its own host ID ${id} in HostIdToEndpointWithPort`);
    return {
      hostId: id,
      address: stripPort(endpoint),
      clusterName: asString(clusterName, 'ClusterName'),
      dc: asString(dc, 'Datacenter'),
      rack: asString(rack, 'Rack'),
      tokens: asStringList(tokens, 'Tokens'),
      releaseVersion: asString(releaseVersion, 'ReleaseVersion'),
      schemaVersion: asString(schemaVersion, 'SchemaVersion'),
      operationMode: asString(operationMode, 'OperationMode'),
    };
  }

  async operationMode(): Promise<string> {
    return asString(await this.ss('OperationMode'), 'OperationMode');
  }

  async schemaVersion(): Promise<string> {
    return asString(await this.ss('SchemaVersion'), 'SchemaVersion');
  }

  async releaseVersion(): Promise<string> {
    return asString(await this.ss('ReleaseVersion'), 'ReleaseVersion');
  }

  async keyspaces(): Promise<string[]> {
    return asStringList(await this.ss('Keyspaces'), 'Keyspaces');
  }

  async tables(keyspace: string): Promise<string[]> {
    const names = await this.jmx.queryNames(MBeans.tablesOf(keyspace), { timeoutMs: this.callTimeoutMs });
    return names
      .map((name) => objectNameKey(name, 'table'))
      .filter((table): table is string => table !== undefined)
      .sort();
  }

  async schema(): Promise<SchemaView> {
    const [keyspaces, names] = await Promise.all([
      this.keyspaces(),
      this.jmx.queryNames(MBeans.allTables, { timeoutMs: this.callTimeoutMs }),
    ]);
    const schema: SchemaView = Object.fromEntries(keyspaces.map((ks) => [ks, [] as string[]]));
    for (const name of names) {
      const keyspace = objectNameKey(name, 'keyspace');
      const table = objectNameKey(name, 'table');
      // a table of a keyspace created between the two reads: the next refresh lists the keyspace too
      if (keyspace && table && schema[keyspace]) schema[keyspace].push(table);
    }
    for (const tables of Object.values(schema)) tables.sort();
    return schema;
  }

  async clusterNodes(): Promise<ClusterNodeView[]> {
    const [hostIds, live] = await Promise.all([this.ss('HostIdToEndpointWithPort'), this.ss('LiveNodesWithPort')]);
    const liveSet = new Set(asStringList(live, 'LiveNodesWithPort'));
    const location = (address: string, what: 'getDatacenter' | 'getRack') =>
      this.jmx.invoke(MBeans.endpointSnitchInfo, what, [jmxArgs.string(address)], { timeoutMs: this.callTimeoutMs });
    return Promise.all(
      Object.entries(asStringMap(hostIds, 'HostIdToEndpointWithPort')).map(async ([hostId, endpoint]) => {
        const address = stripPort(endpoint);
        const [dc, rack] = await Promise.all([location(address, 'getDatacenter'), location(address, 'getRack')]);
        return { hostId, address, dc: String(dc), rack: String(rack), live: liveSet.has(endpoint) };
      }),
    );
  }

  async ringMembers(): Promise<Record<string, string>> {
    const members = asStringMap(await this.ss('HostIdToEndpointWithPort'), 'HostIdToEndpointWithPort');
    return Object.fromEntries(Object.entries(members).map(([hostId, endpoint]) => [hostId, stripPort(endpoint)]));
  }

  async replicatedKeyspaces(): Promise<string[]> {
    return asStringList(await this.ss('NonLocalStrategyKeyspaces'), 'NonLocalStrategyKeyspaces');
  }

  /**
   * getRangeToEndpointWithPortMap(keyspace) is a Map<List<String>, List<String>>: the range's [start, end] tokens
   * to its replicas' "ip:port"; the JMX bridge writes a list key as Java's "[start, end]".
   */
  async rangeReplicas(keyspace: string): Promise<RangeReplicas[]> {
    const [ranges, hostIds] = await Promise.all([
      this.jmx.invoke(MBeans.storageService, 'getRangeToEndpointWithPortMap', [jmxArgs.string(keyspace)], {
        timeoutMs: this.callTimeoutMs,
      }),
      this.ss('EndpointWithPortToHostId'),
    ]);
    const byEndpoint = asStringMap(hostIds, 'EndpointWithPortToHostId');
    if (typeof ranges !== 'object' || ranges === null || Array.isArray(ranges)) {
      throw new Error('getRangeToEndpointWithPortMap: expected a map from JMX');
    }
    return Object.entries(ranges).map(([key, endpoints]) => {
      const tokens = /^\[(-?\d+), (-?\d+)\]$/.exec(key);
      if (!tokens) throw new Error(`getRangeToEndpointWithPortMap: "${key}" is not a [start, end] range`);
      const replicas = asStringList(endpoints, 'getRangeToEndpointWithPortMap').map((e) => byEndpoint[e] ?? e);
      return { range: [tokens[1], tokens[2]], replicas };
    });
  }

  async tableDataPaths(keyspace: string, table: string): Promise<string[]> {
    return asStringList(await this.attribute(MBeans.table(keyspace, table), 'DataPaths'), 'DataPaths');
  }

  async liveSSTableCount(keyspace: string, table: string): Promise<number> {
    const value = await this.attribute(MBeans.tableMetric(keyspace, table, 'LiveSSTableCount'), 'Value');
    const count = typeof value === 'string' ? Number(value) : value;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
      throw new Error(`LiveSSTableCount: expected a count from JMX, got ${JSON.stringify(value)}`);
    return count;
  }

  async flush(keyspace: string, tables: string[]): Promise<void> {
    await this.invokeLong(MBeans.storageService, 'forceKeyspaceFlush', [jmxArgs.string(keyspace), jmxArgs.stringArray(tables)]);
  }

  async cleanup(keyspace: string, tables: string[], jobs: number): Promise<number> {
    const status = await this.invokeLong(MBeans.storageService, 'forceKeyspaceCleanup', [
      jmxArgs.int(jobs),
      jmxArgs.string(keyspace),
      jmxArgs.stringArray(tables),
    ]);
    return asStatus(status, 'forceKeyspaceCleanup');
  }

  /**
   * Cassandra 4.0 and 4.1 hand checkData and reinsertOverflowedTTL to the table swapped (an upstream bug
   * nodetool shares; seen on a real 4.0.13 node), so there we swap them too and the table gets what was asked.
   * 5.0 passes them in their declared order.
   */
  async scrub(keyspace: string, tables: string[], o: ScrubOptions): Promise<number> {
    const swapped = !atLeast(await this.version(), 5, 0);
    const status = await this.invokeLong(MBeans.storageService, 'scrub', [
      jmxArgs.bool(o.disableSnapshot),
      jmxArgs.bool(o.skipCorrupted),
      jmxArgs.bool(swapped ? o.reinsertOverflowedTTL : o.checkData),
      jmxArgs.bool(swapped ? o.checkData : o.reinsertOverflowedTTL),
      jmxArgs.int(o.jobs),
      jmxArgs.string(keyspace),
      jmxArgs.stringArray(tables),
    ]);
    return asStatus(status, 'scrub');
  }

  /** 4.0 has only the form without maxSSTableTimestamp; 4.1 deprecates it in favour of the one with. */
  async upgradeSSTables(keyspace: string, tables: string[], o: UpgradeOptions): Promise<number> {
    const withTimestamp = atLeast(await this.version(), 4, 1);
    const args = [
      jmxArgs.string(keyspace),
      jmxArgs.bool(o.excludeCurrentVersion),
      ...(withTimestamp ? [jmxArgs.long(NO_MAX_TIMESTAMP)] : []),
      jmxArgs.int(o.jobs),
      jmxArgs.stringArray(tables),
    ];
    return asStatus(await this.invokeLong(MBeans.storageService, 'upgradeSSTables', args), 'upgradeSSTables');
  }

  async loadNewSSTables(keyspace: string, table: string): Promise<void> {
    await this.invokeLong(MBeans.storageService, 'loadNewSSTables', [jmxArgs.string(keyspace), jmxArgs.string(table)]);
  }

  /** 5.0 adds failOnMissingIndex and validateIndexChecksum; nodetool's defaults are false and true. */
  async importNewSSTables(keyspace: string, table: string, directories: string[], o: ImportOptions): Promise<string[]> {
    const is50 = atLeast(await this.version(), 5, 0);
    const args = [
      jmxArgs.set(directories),
      jmxArgs.bool(o.resetLevel),
      jmxArgs.bool(o.clearRepaired),
      jmxArgs.bool(o.verifySSTables),
      jmxArgs.bool(o.verifyTokens),
      jmxArgs.bool(o.invalidateCaches),
      jmxArgs.bool(o.extendedVerify),
      jmxArgs.bool(o.copyData),
      ...(is50 ? [jmxArgs.bool(false), jmxArgs.bool(true)] : []),
    ];
    const failed = await this.invokeLong(MBeans.table(keyspace, table), 'importNewSSTables', args);
    return asStringList(failed, 'importNewSSTables');
  }

  async truncate(keyspace: string, table: string): Promise<void> {
    await this.invokeLong(MBeans.storageService, 'truncate', [jmxArgs.string(keyspace), jmxArgs.string(table)]);
  }

  /** 5.0 adds excludeLocalDcNodes; Icarus has no such field, so it stays false (the 4.x behaviour). */
  async rebuild(o: RebuildOptions): Promise<void> {
    const is50 = atLeast(await this.version(), 5, 0);
    const args = [
      jmxArgs.string(o.sourceDc ?? null),
      jmxArgs.string(o.keyspace ?? null),
      jmxArgs.string(o.tokens ?? null),
      jmxArgs.string(o.specificSources ?? null),
      ...(is50 ? [jmxArgs.bool(false)] : []),
    ];
    await this.invokeLong(MBeans.storageService, 'rebuild', args);
  }

  async decommission(force: boolean): Promise<void> {
    await this.invokeLong(MBeans.storageService, 'decommission', [jmxArgs.bool(force)]);
  }

  async drain(): Promise<void> {
    await this.invokeLong(MBeans.storageService, 'drain', []);
  }

  async compactions(): Promise<CompactionTask[]> {
    const list = await this.attribute(MBeans.compactionManager, 'Compactions');
    if (!Array.isArray(list)) throw new Error('Compactions: expected a list from JMX');
    return list.map(toCompactionTask).filter((task): task is CompactionTask => task !== undefined);
  }

  async stopCompaction(kind: CompactionKind): Promise<void> {
    await this.jmx.invoke(MBeans.compactionManager, 'stopCompaction', [jmxArgs.string(kind)], { timeoutMs: this.callTimeoutMs });
  }

  close(): Promise<void> {
    return this.jmx.close();
  }
}
