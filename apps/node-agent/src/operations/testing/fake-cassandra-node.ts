// The fake lives beside the node it stands in for, held to the same contract suite (test/node-agent/cassandra-node-contract.ts).
export * from '../../cassandra/testing/fake-cassandra-node';
