import { confinedPathsOf, fileStoreDirectory, isWithinRoot } from './paths';
import { parseOperationRequest } from './requests/registry';

describe('isWithinRoot', () => {
  it.each([
    ['/data', '/data'],
    ['/data/', '/data'],
    ['/data/ks/t', '/data'],
    ['/data/ks', '/data/'],
    ['/data/./ks', '/data'],
    ['/', '/'],
    ['/anything', '/'],
    ['/data/..hidden', '/data'],
  ])('%s is within %s', (path, root) => expect(isWithinRoot(path, root)).toBe(true));

  it.each([
    ['/data2', '/data'],
    ['/data2/x', '/data'],
    ['/dat', '/data'],
    ['/data/../etc', '/data'],
    ['/data/ks/../../etc', '/data'],
    ['/', '/data'],
    ['data/ks', '/data'],
    ['/data/ks', 'data'],
  ])('%s is not within %s', (path, root) => expect(isWithinRoot(path, root)).toBe(false));
});

describe('the directories a request names', () => {
  it('file:// stores by their bucket directory; cloud stores have none', () => {
    expect(fileStoreDirectory('file:///srv/backups/bucket')).toBe('/srv/backups/bucket');
    expect(fileStoreDirectory('file:///srv/b/cluster/dc1/6f8e2a3c-1b4d-4c5e-9f7a-0a1b2c3d4e5f')).toBe('/srv/b');
    expect(fileStoreDirectory('s3://bucket/x')).toBeUndefined();
    expect(fileStoreDirectory('file://relative')).toBeUndefined();
    expect(fileStoreDirectory(3)).toBeUndefined();
  });

  it('names each path-bearing field with its kind of root', () => {
    const restore = parseOperationRequest({
      type: 'restore',
      snapshotTag: 's',
      storageLocation: 'file:///srv/b/bucket',
      import: { sourceDir: '/stage' },
      cassandraConfigDirectory: '/etc/cassandra',
    });
    expect(confinedPathsOf(restore)).toEqual([
      { field: 'storageLocation', path: '/srv/b/bucket', kind: 'fileStores' },
      { field: 'import.sourceDir', path: '/stage', kind: 'staging' },
      { field: 'cassandraConfigDirectory', path: '/etc/cassandra', kind: 'config' },
    ]);
    expect(confinedPathsOf(parseOperationRequest({ type: 'import', keyspace: 'k', table: 't', sourceDir: '/up' }))).toEqual([
      { field: 'sourceDir', path: '/up', kind: 'import' },
    ]);
    expect(confinedPathsOf(parseOperationRequest({ type: 'flush', keyspace: 'k' }))).toEqual([]);
    const backup = parseOperationRequest({
      type: 'commitlog-backup',
      storageLocation: 's3://b',
      commitLogArchiveOverride: '/archive',
      cassandraCommitLogDirectory: '/var/lib/cassandra/commitlog',
    });
    expect(confinedPathsOf(backup)).toEqual([
      { field: 'commitLogArchiveOverride', path: '/archive', kind: 'commitLog' },
      { field: 'cassandraCommitLogDirectory', path: '/var/lib/cassandra/commitlog', kind: 'commitLog' },
    ]);
    const restoreLogs = parseOperationRequest({
      type: 'commitlog-restore',
      storageLocation: 's3://b',
      timestampEnd: 1000,
      commitlogDownloadDir: '/stage',
      cassandraConfigDirectory: '/etc/cassandra',
    });
    expect(confinedPathsOf(restoreLogs)).toEqual([
      { field: 'commitlogDownloadDir', path: '/stage', kind: 'staging' },
      { field: 'cassandraConfigDirectory', path: '/etc/cassandra', kind: 'config' },
    ]);
  });

  it('a restore refuses relative and ".." directories before any root is consulted', () => {
    expect(() =>
      parseOperationRequest({ type: 'restore', snapshotTag: 's', storageLocation: 's3://b', import: { sourceDir: 'rel' } }),
    ).toThrow('sourceDir must be an absolute path');
    expect(() =>
      parseOperationRequest({ type: 'restore', snapshotTag: 's', storageLocation: 's3://b', cassandraConfigDirectory: '/etc/../root' }),
    ).toThrow('cassandraConfigDirectory must be an absolute path');
  });
});
