import { NodeRegistration, parseOperationRequest } from '@daedalus/contracts';
import { cassandraDirectoryErrors } from './cassandra-directory';

const node = (hostId: string, dataDirectories: string[]) => ({ hostId, dataDirectories }) as NodeRegistration;
const backup = (cassandraDirectory?: string) =>
  parseOperationRequest({ type: 'backup', storageLocation: 's3://b/c/d/n', ...(cassandraDirectory ? { cassandraDirectory } : {}) });

describe('cassandraDirectory', () => {
  it('holds when every target keeps its data under it', () => {
    const targets = [node('h1', ['/var/lib/cassandra/data']), node('h2', ['/var/lib/cassandra/data', '/var/lib/cassandra/data2'])];
    expect(cassandraDirectoryErrors(backup('/var/lib/cassandra'), targets)).toEqual([]);
    expect(cassandraDirectoryErrors(backup(), targets)).toEqual([]);
  });

  it('refuses a root that does not hold a target data directories, naming the node and directory', () => {
    const errors = cassandraDirectoryErrors(backup('/var/lib/cassandra'), [
      node('h1', ['/var/lib/cassandra/data']),
      node('h2', ['/mnt/ssd/data']),
    ]);
    expect(errors).toEqual([{ field: 'cassandraDirectory', message: expect.stringContaining('node h2 (/mnt/ssd/data)') }]);
  });

  it('is refused when not an absolute path', () => {
    expect(() => backup('relative/dir')).toThrow(/cassandraDirectory/);
  });
});
