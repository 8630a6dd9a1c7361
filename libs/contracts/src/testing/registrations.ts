import { NodeRegistration } from '../messages';
import { SCHEMA_VERSION } from '../schema-version';

/**
 * A node registration for unit tests: a live NORMAL node in dc1 with no tables; a test names what matters to it
 * (host id, keyspaces, roots, capabilities) and takes the rest as it is here.
 */
export function testRegistration(fields: Partial<NodeRegistration> & Pick<NodeRegistration, 'hostId'>): NodeRegistration {
  return {
    schemaVersion: SCHEMA_VERSION,
    address: `127.0.0.${fields.hostId.slice(-1)}`,
    dc: 'dc1',
    rack: 'rack1',
    tokens: [],
    clusterName: 'c',
    cassandraVersion: '4.1.7',
    schemaVersionId: 's',
    operationMode: 'NORMAL',
    dataDirectories: [],
    agentVersion: '0.1.0',
    startedAt: '',
    heartbeatAt: '',
    ...fields,
  };
}
