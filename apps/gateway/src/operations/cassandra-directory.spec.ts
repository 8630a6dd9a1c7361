import { NodeRegistration, parseOperationRequest } from '@daedalus/contracts';
import { cassandraDirectoryErrors, dataDirsErrors } from './cassandra-directory';

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

describe('dataDirs', () => {
  const restore = (dataDirs: string) =>
    parseOperationRequest({ type: 'restore', storageLocation: 's3://b', snapshotTag: 't', globalRequest: true, dataDirs });

  it("holds when it lists exactly each target's data directories, in any order", () => {
    const targets = [node('h1', ['/d1', '/d2/'])];
    expect(dataDirsErrors(restore('/d2,/d1'), targets)).toEqual([]);
  });

  it('refuses another list, naming the node and its directories', () => {
    expect(dataDirsErrors(restore('/d1'), [node('h1', ['/d1', '/d2'])])).toEqual([
      { field: 'dataDirs', message: expect.stringContaining('node h1 has the data directories /d1, /d2, not /d1') },
    ]);
  });
});
