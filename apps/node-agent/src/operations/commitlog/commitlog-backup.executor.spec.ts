import { join } from 'node:path';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import { CommitLogBackupRequest, parseOperationRequest } from '@daedalus/contracts';
import { MemoryBackend } from '@daedalus/storage';
import { localFileSystem as fs } from '../../adapters/filesystem';
import { NodeRegistrationService } from '../../registration/node-registration.service';
import { InFlightUploads } from '../../repository/in-flight-uploads';
import { OperationRejectedError } from '../executor';
import { HOST, nodeRegistration } from '../testing/node-fixtures';
import { recordingContext } from '../testing/recording-context';
import { CommitLogBackupExecutor, CommitLogBackupResult } from './commitlog-backup.executor';

const PREFIX = `test/dc1/${HOST}/commitlog/`;
const ID = 1_764_000_000_000;

describe('CommitLogBackupExecutor', () => {
  let dir: string;
  let backend: MemoryBackend;
  let executor: CommitLogBackupExecutor;
  const archive = () => join(dir, 'archive');
  const live = () => join(dir, 'commitlog');
  const segment = (i: number) => `CommitLog-7-${ID + i}.log`;
  const request = (extra: Record<string, unknown> = {}) =>
    parseOperationRequest({
      type: 'commitlog-backup',
      storageLocation: `s3://bucket/test/dc1/${HOST}`,
      ...extra,
    }) as CommitLogBackupRequest;
  const run = (extra: Record<string, unknown> = {}) =>
    executor.execute(request(extra), recordingContext().context) as Promise<CommitLogBackupResult>;
  const keys = () => [...backend.objects.keys()].sort();

  beforeEach(async () => {
    dir = await fs.makeTemporaryDirectory('commitlog-backup-spec');
    const conf = join(dir, 'conf');
    await fs.makeDirectory(conf);
    await fs.write(join(conf, 'commitlog_archiving.properties'), `archive_command=/bin/cp %path ${archive()}/%name\n`);
    await fs.makeDirectory(archive());
    await fs.makeDirectory(live());
    for (const i of [0, 1, 2]) await fs.write(join(archive(), segment(i)), `segment ${i}`);
    await fs.write(join(archive(), 'notes.txt'), 'not a segment');
    backend = new MemoryBackend();
    const registration = nodeRegistration(join(dir, 'data'));
    const identity = { current: registration, roots: registration.roots } as unknown as NodeRegistrationService;
    executor = new CommitLogBackupExecutor(
      identity,
      new InFlightUploads(),
      new ManualClock('2026-03-01T12:00:00Z'),
      {
        configDir: conf,
        reserveBytes: 0,
      },
      async () => backend,
    );
  });

  afterEach(() => fs.remove(dir));

  it('uploads each archived segment once, indexed after its object; a second run uploads nothing', async () => {
    const first = await run();
    expect(first).toMatchObject({ prefix: PREFIX, segments: 3, uploadedSegments: 3, alreadyStored: 0, deletedFromArchive: 0 });
    expect(keys().filter((k) => k.includes('/segments/'))).toEqual([0, 1, 2].map((i) => `${PREFIX}segments/${segment(i)}`));
    expect(keys().filter((k) => k.includes('/index/'))).toHaveLength(3);
    const again = await run();
    expect(again).toMatchObject({ segments: 3, uploadedSegments: 0, uploadedBytes: 0, alreadyStored: 3 });
    expect(keys()).toHaveLength(6);
  });

  it('refuses a segment whose bytes differ from the one stored under its name, overwriting nothing', async () => {
    await run();
    await fs.write(join(archive(), segment(1)), 'segment X');
    await expect(run()).rejects.toThrow(OperationRejectedError);
    await expect(run()).rejects.toThrow(`differs from the segment the store holds under ${PREFIX}segments/${segment(1)}`);
  });

  it('deletes archived files only when asked, after their upload was verified', async () => {
    await run();
    expect((await fs.list(archive())).map((e) => e.name)).toContain(segment(0));
    await fs.write(join(archive(), segment(3)), 'segment 3');
    const result = await run({ deleteUploadedSegments: true });
    expect(result).toMatchObject({ uploadedSegments: 1, alreadyStored: 3, deletedFromArchive: 4 });
    expect((await fs.list(archive())).map((e) => e.name)).toEqual(['notes.txt']);
    expect(keys().filter((k) => k.includes('/segments/'))).toHaveLength(4);
  });

  it('with online, also uploads closed live segments, never the two newest', async () => {
    for (const i of [3, 4, 5, 6]) await fs.write(join(live(), segment(i)), `live ${i}`);
    const result = await run({ online: true, cassandraCommitLogDirectory: live() });
    expect(result).toMatchObject({ segments: 5, uploadedSegments: 5 });
    expect(keys()).toContain(`${PREFIX}segments/${segment(4)}`);
    expect(keys()).not.toContain(`${PREFIX}segments/${segment(5)}`);
    expect(keys()).not.toContain(`${PREFIX}segments/${segment(6)}`);
  });

  it('refuses when no archive directory is known, naming the field that gives one', async () => {
    await fs.write(join(dir, 'conf', 'commitlog_archiving.properties'), 'archive_command=\n');
    await expect(run()).rejects.toThrow('sets no archive_command; name the directory in commitLogArchiveOverride');
    expect(await run({ commitLogArchiveOverride: archive() })).toMatchObject({ uploadedSegments: 3 });
  });

  it('refuses an archive_command pointing outside the commit-log roots', async () => {
    await fs.write(join(dir, 'conf', 'commitlog_archiving.properties'), 'archive_command=/bin/cp %path /elsewhere/%name\n');
    await expect(run()).rejects.toThrow('archive_command in');
  });
});
