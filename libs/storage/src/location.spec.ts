import { formatStorageLocation, LocationError, locationPrefix, nodeLocation, parseStorageLocation } from './location';

describe('parseStorageLocation', () => {
  it.each([
    ['s3://bucket/cluster/dc1/node1', { protocol: 's3', bucket: 'bucket', path: ['cluster', 'dc1', 'node1'] }],
    ['gcp://bucket/cluster/dc1/node1/', { protocol: 'gcp', bucket: 'bucket', path: ['cluster', 'dc1', 'node1'] }],
    ['gs://bucket/cluster/dc1/node1', { protocol: 'gcp', bucket: 'bucket', path: ['cluster', 'dc1', 'node1'] }],
    ['azure://container/c/d/n', { protocol: 'azure', bucket: 'container', path: ['c', 'd', 'n'] }],
    ['S3://bucket/c/d/n', { protocol: 's3', bucket: 'bucket', path: ['c', 'd', 'n'] }],
  ])('parses the node layout %s', (raw, expected) => {
    expect(parseStorageLocation(raw)).toEqual({ ...expected, raw });
  });

  it('parses a file node location: the bucket is the element before cluster/dc/node', () => {
    expect(parseStorageLocation('file:///var/backups/my-bucket/cluster/dc1/node1/')).toEqual({
      protocol: 'file',
      root: '/var/backups',
      bucket: 'my-bucket',
      path: ['cluster', 'dc1', 'node1'],
      raw: 'file:///var/backups/my-bucket/cluster/dc1/node1/',
    });
    expect(parseStorageLocation('file:///bucket/c/d/n')).toMatchObject({ root: '/', bucket: 'bucket' });
  });

  it('parses the prefix layout: bucket alone or with any prefix; file: last element is the bucket', () => {
    expect(parseStorageLocation('s3://bucket', { layout: 'prefix' })).toMatchObject({ bucket: 'bucket', path: [] });
    expect(parseStorageLocation('s3://bucket/', { layout: 'prefix' })).toMatchObject({ bucket: 'bucket', path: [] });
    expect(parseStorageLocation('azure://c/a/b', { layout: 'prefix' })).toMatchObject({ bucket: 'c', path: ['a', 'b'] });
    expect(parseStorageLocation('file:///mnt/backups/bucket', { layout: 'prefix' })).toMatchObject({
      root: '/mnt/backups',
      bucket: 'bucket',
      path: [],
    });
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    [' s3://b/c/d/n', /whitespace/],
    ['bucket/c/d/n', /expected protocol:\/\/bucket/],
    ['s3:/bucket/c/d/n', /expected protocol:\/\/bucket/],
    ['ftp://bucket/c/d/n', /unknown protocol "ftp"/],
    ['s3://', /bucket is missing/],
    ['s3://bucket/c/d', /got 2 part\(s\) after the bucket/],
    ['s3://bucket/c/d/n/extra', /got 4 part\(s\) after the bucket/],
    ['s3://bucket//d/n', /part 2 is empty/],
    ['s3://bucket/c/../n', /"\.\." segments/],
    ['s3://bucket/c/./n', /"\." segments/],
    ['s3://bucket/c/d/n?x=1', /query strings/],
    ['s3://bucket/c/d/n#frag', /query strings/],
    ['s3://bu cket/c/d/n', /whitespace/],
    ['s3://bucket\\x/c/d/n', /backslashes/],
    ['file://relative/b/c/d/n', /absolute path/],
    ['file:///', /path is empty/],
    ['file:///c/d/n', /got 3 path part/],
    ['file:///root/b/../d/n', /"\.\." segments/],
    ['file:///root//b/c/d/n', /empty/],
  ])('rejects %j with a message naming the problem', (raw, message) => {
    expect(() => parseStorageLocation(raw)).toThrow(LocationError);
    expect(() => parseStorageLocation(raw)).toThrow(message);
  });

  it('rejects a file prefix location without a bucket', () => {
    expect(() => parseStorageLocation('file:///', { layout: 'prefix' })).toThrow(/path is empty/);
  });
});

describe('location helpers', () => {
  it('formats canonically and gives the key prefix', () => {
    const s3 = parseStorageLocation('gs://bucket/c/d/n/');
    expect(formatStorageLocation(s3)).toBe('gcp://bucket/c/d/n');
    expect(locationPrefix(s3)).toBe('c/d/n/');
    const file = parseStorageLocation('file:///var/b/bucket/c/d/n');
    expect(formatStorageLocation(file)).toBe('file:///var/b/bucket/c/d/n');
    expect(locationPrefix(parseStorageLocation('s3://bucket', { layout: 'prefix' }))).toBe('');
  });

  it('derives the node location a global request sends to each node', () => {
    const global = parseStorageLocation('s3://bucket', { layout: 'prefix' });
    const node = nodeLocation(global, 'cluster', 'dc1', 'host-id');
    expect(node).toMatchObject({ bucket: 'bucket', path: ['cluster', 'dc1', 'host-id'], raw: 's3://bucket/cluster/dc1/host-id' });
    expect(parseStorageLocation(node.raw)).toEqual(node);
    expect(() => nodeLocation(global, 'a/b', 'dc', 'n')).toThrow(/invalid node path part/);
    expect(() => nodeLocation(global, '..', 'dc', 'n')).toThrow(LocationError);
  });
});
