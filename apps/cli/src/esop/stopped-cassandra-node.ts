import { JmxError } from '@daedalus/jmx';
import {
  CassandraNode,
  ClusterNodeView,
  CompactionTask,
  NodeDescription,
  RangeReplicas,
  SchemaView,
} from '../../../node-agent/src/cassandra/cassandra-node';
import { CassandraSnapshots } from '../../../node-agent/src/cassandra/snapshots';

/**
 * The node as local mode sees it without JMX (no --jmx-service): Cassandra is stopped, or the node is being
 * rebuilt from nothing. Every question fails the way an unreachable JMX fails (JmxError 'connection'), so an
 * IN_PLACE restore's "is the node down?" check holds, and anything that needs the live node says so instead
 * of guessing. What an IN_PLACE restore needs to know about the node comes from its LocalIdentity instead.
 */
export class StoppedCassandraNode extends CassandraNode {
  private unreachable<T>(what: string): Promise<T> {
    return Promise.reject(new JmxError('connection', `${what}: local mode runs without JMX (no --jmx-service): Cassandra is not asked`));
  }

  describe(): Promise<NodeDescription> {
    return this.unreachable('describe');
  }
  operationMode(): Promise<string> {
    return this.unreachable('operationMode');
  }
  schemaVersion(): Promise<string> {
    return this.unreachable('schemaVersion');
  }
  releaseVersion(): Promise<string> {
    return this.unreachable('releaseVersion');
  }
  keyspaces(): Promise<string[]> {
    return this.unreachable('keyspaces');
  }
  tables(): Promise<string[]> {
    return this.unreachable('tables');
  }
  schema(): Promise<SchemaView> {
    return this.unreachable('schema');
  }
  clusterNodes(): Promise<ClusterNodeView[]> {
    return this.unreachable('clusterNodes');
  }
  ringMembers(): Promise<Record<string, string>> {
    return this.unreachable('ringMembers');
  }
  replicatedKeyspaces(): Promise<string[]> {
    return this.unreachable('replicatedKeyspaces');
  }
  rangeReplicas(): Promise<RangeReplicas[]> {
    return this.unreachable('rangeReplicas');
  }
  tableDataPaths(): Promise<string[]> {
    return this.unreachable('tableDataPaths');
  }
  liveSSTableCount(): Promise<number> {
    return this.unreachable('liveSSTableCount');
  }
  flush(): Promise<void> {
    return this.unreachable('flush');
  }
  cleanup(): Promise<number> {
    return this.unreachable('cleanup');
  }
  scrub(): Promise<number> {
    return this.unreachable('scrub');
  }
  upgradeSSTables(): Promise<number> {
    return this.unreachable('upgradeSSTables');
  }
  loadNewSSTables(): Promise<void> {
    return this.unreachable('loadNewSSTables');
  }
  importNewSSTables(): Promise<string[]> {
    return this.unreachable('importNewSSTables');
  }
  truncate(): Promise<void> {
    return this.unreachable('truncate');
  }
  rebuild(): Promise<void> {
    return this.unreachable('rebuild');
  }
  decommission(): Promise<void> {
    return this.unreachable('decommission');
  }
  drain(): Promise<void> {
    return this.unreachable('drain');
  }
  compactions(): Promise<CompactionTask[]> {
    return this.unreachable('compactions');
  }
  stopCompaction(): Promise<void> {
    return this.unreachable('stopCompaction');
  }
  async close(): Promise<void> {
    // nothing was opened
  }
}

/** Snapshots of a node local mode cannot reach: none can be taken or cleared (an IN_PLACE restore takes none). */
export class StoppedSnapshots extends CassandraSnapshots {
  take(): Promise<boolean> {
    return Promise.reject(new JmxError('connection', 'takeSnapshot: local mode runs without JMX (no --jmx-service)'));
  }
  clear(): Promise<void> {
    return Promise.reject(new JmxError('connection', 'clearSnapshot: local mode runs without JMX (no --jmx-service)'));
  }
}
