import { parseOperationRequest } from '../requests/registry';
import { archiveDirectoryOf, parseArchivingProperties, replayProperties, restorePointInTime } from './archiving-properties';

describe('commitlog_archiving.properties', () => {
  it('formats the point as Cassandra parses it (GMT, yyyy:MM:dd HH:mm:ss) and only whole seconds', () => {
    expect(restorePointInTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('2026:01:02 03:04:05');
    expect(restorePointInTime(Date.UTC(2026, 0, 2, 3, 4, 5) + 1)).toBeUndefined();
    expect(restorePointInTime(-1000)).toBeUndefined();
  });

  it('finds the archive directory in archive_command', () => {
    expect(archiveDirectoryOf('/bin/cp %path /backup/commitlog/%name')).toBe('/backup/commitlog');
    expect(archiveDirectoryOf('/bin/ln %path /%name')).toBe('/');
    expect(archiveDirectoryOf('/usr/local/bin/archive.sh %path')).toBeUndefined();
    expect(archiveDirectoryOf('/bin/cp %path relative/%name')).toBeUndefined();
    expect(archiveDirectoryOf(undefined)).toBeUndefined();
  });

  it('keeps the previous lines and replaces or adds the replay keys', () => {
    const previous = '# archiving\narchive_command=/bin/cp %path /a/%name\nrestore_command=\nrestore_point_in_time=\n';
    const text = replayProperties(previous, {
      restoreDirectory: '/var/lib/cassandra/daedalus-restore/op',
      pointInTimeMs: Date.UTC(2026, 0, 2, 3, 4, 5),
      restoreCommand: '/bin/cp -f %from %to',
    });
    expect(text).toBe(
      '# archiving\narchive_command=/bin/cp %path /a/%name\nrestore_command=/bin/cp -f %from %to\nrestore_point_in_time=2026:01:02 03:04:05\n' +
        'restore_directories=/var/lib/cassandra/daedalus-restore/op\nprecision=MICROSECONDS\n',
    );
    expect(parseArchivingProperties(text).get('restore_point_in_time')).toBe('2026:01:02 03:04:05');
    expect(parseArchivingProperties(text).get('archive_command')).toBe('/bin/cp %path /a/%name');
  });

  it('refuses what Cassandra would read otherwise', () => {
    const settings = { restoreDirectory: '/a,b', pointInTimeMs: 0, restoreCommand: 'cp' };
    expect(() => replayProperties(undefined, settings)).toThrow('commas');
    expect(() => replayProperties(undefined, { ...settings, restoreDirectory: '/a', pointInTimeMs: 1 })).toThrow('whole second');
  });
});

describe('commit-log requests', () => {
  const parse = (body: Record<string, unknown>) => () => parseOperationRequest(body);
  const restore = { type: 'commitlog-restore', storageLocation: 's3://b/c/d/n', timestampEnd: 1_764_000_000_000 };

  it('commitlog-restore takes a whole-second timestampEnd and refuses what it cannot do, naming the field', () => {
    expect(parse(restore)).not.toThrow();
    expect(parse({ ...restore, timestampEnd: undefined })).toThrow('timestampEnd is required');
    expect(parse({ ...restore, timestampEnd: 1_764_000_000_500 })).toThrow('send 1764000000000 or 1764000001000');
    expect(parse({ ...restore, timestampStart: 1_764_000_001_000 })).toThrow('timestampStart must not be after timestampEnd');
    expect(parse({ ...restore, keyspaceTables: 'ks.t' })).toThrow('keyspaceTables: not supported');
    expect(parse({ ...restore, cassandraCommitLogDirectory: '/var/lib/cassandra/commitlog' })).toThrow(
      'cassandraCommitLogDirectory: not supported',
    );
  });

  it('commitlog-backup takes deleteUploadedSegments and refuses online with one segment', () => {
    const backup = { type: 'commitlog-backup', storageLocation: 's3://b/c/d/n' };
    expect(parse({ ...backup, deleteUploadedSegments: true, online: true })).not.toThrow();
    expect(parse({ ...backup, commitLog: '/var/lib/cassandra/archive/CommitLog-7-1.log', online: true })).toThrow('online:');
  });
});
