/** ObjectNames of the Cassandra MBeans the agent uses (see shared/reference/cassandra.md). */
export const MBeans = {
  storageService: 'org.apache.cassandra.db:type=StorageService',
  endpointSnitchInfo: 'org.apache.cassandra.db:type=EndpointSnitchInfo',
  compactionManager: 'org.apache.cassandra.db:type=CompactionManager',
  allTables: 'org.apache.cassandra.db:type=Tables,*',
  tablesOf: (keyspace: string) => `org.apache.cassandra.db:type=Tables,keyspace=${keyspace},*`,
  table: (keyspace: string, table: string) => `org.apache.cassandra.db:type=Tables,keyspace=${keyspace},table=${table}`,
  tableMetric: (keyspace: string, table: string, metric: string) =>
    `org.apache.cassandra.metrics:type=Table,keyspace=${keyspace},scope=${table},name=${metric}`,
} as const;

/** "127.0.0.1:7000" → "127.0.0.1"; "[::1]:7000" → "::1". Addresses in *WithPort attributes carry the storage port. */
export function stripPort(endpoint: string): string {
  const bracketed = /^\[(.+)\]:\d+$/.exec(endpoint);
  if (bracketed) return bracketed[1];
  const lastColon = endpoint.lastIndexOf(':');
  const host = endpoint.replace(/^\//, '');
  return lastColon > 0 && host.indexOf(':') === host.lastIndexOf(':') ? host.slice(0, host.lastIndexOf(':')) : host;
}
