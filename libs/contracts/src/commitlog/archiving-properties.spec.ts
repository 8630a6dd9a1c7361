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
