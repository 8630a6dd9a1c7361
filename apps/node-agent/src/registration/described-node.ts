import type { NodeRegistration } from '@daedalus/contracts';
import type { NodeDescription } from '../cassandra/cassandra-node';

/** The part of a registration that says who the node is, as Cassandra described itself over JMX. */
export type DescribedNode = Pick<
  NodeRegistration,
  'hostId' | 'address' | 'dc' | 'rack' | 'tokens' | 'clusterName' | 'cassandraVersion' | 'schemaVersionId' | 'operationMode'
>;

/** One mapping from Cassandra's description to a registration's fields, for the agent and the CLI's local mode. */
export function describedNode(description: NodeDescription): DescribedNode {
  return {
    hostId: description.hostId,
    address: description.address,
    dc: description.dc,
    rack: description.rack,
    tokens: description.tokens,
    clusterName: description.clusterName,
    cassandraVersion: description.releaseVersion,
    schemaVersionId: description.schemaVersion,
    operationMode: description.operationMode,
  };
}
