import { parseAnyLocation } from './location';

describe('parseAnyLocation', () => {
  it('reads a deep file path as a bucket unless it ends in a host ID', () => {
    expect(parseAnyLocation('file:///work/main/.tmp/demo/backups/bucket')).toMatchObject({
      protocol: 'file',
      root: '/work/main/.tmp/demo/backups',
      bucket: 'bucket',
      path: [],
    });
    expect(parseAnyLocation('file:///srv/backups/bucket/prod/dc1/0b1c6f5e-1b2a-4c3d-8e9f-000000000001')).toMatchObject({
      protocol: 'file',
      root: '/srv/backups',
      bucket: 'bucket',
      path: ['prod', 'dc1', '0b1c6f5e-1b2a-4c3d-8e9f-000000000001'],
    });
  });

  it('reads the file node form for any node id when the part before it is a known data center', () => {
    expect(parseAnyLocation('file:///srv/backups/bucket/prod/dc1/node1', { datacenters: ['dc1', 'dc2'] })).toMatchObject({
      root: '/srv/backups',
      bucket: 'bucket',
      path: ['prod', 'dc1', 'node1'],
    });
    expect(parseAnyLocation('file:///srv/backups/bucket/prod/dc1/node1', { datacenters: ['dc2'] })).toMatchObject({
      bucket: 'node1',
      path: [],
    });
    // too short for the node form: still a bucket
    expect(parseAnyLocation('file:///dc1/node1', { datacenters: ['dc1'] })).toMatchObject({ bucket: 'node1', path: [] });
  });

  it('reads cloud locations with or without a node path', () => {
    expect(parseAnyLocation('s3://bucket')).toMatchObject({ protocol: 's3', bucket: 'bucket', path: [] });
    expect(parseAnyLocation('gs://bucket/prod/dc1/node-1/')).toMatchObject({
      protocol: 'gcp',
      bucket: 'bucket',
      path: ['prod', 'dc1', 'node-1'],
    });
  });

  it('still refuses what no form accepts', () => {
    expect(() => parseAnyLocation('ftp://bucket')).toThrow('unknown protocol');
    expect(() => parseAnyLocation('file://relative/path')).toThrow('absolute');
    expect(() => parseAnyLocation('s3://bucket/../x')).toThrow('".." segments');
  });
});
