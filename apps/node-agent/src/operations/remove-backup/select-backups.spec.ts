import { RetentionCandidate, RetentionPolicy } from '@daedalus/contracts';
import { BackupSummary } from '../../repository/backup-catalog';
import { applyRetention } from '../../retention/apply-retention';
import { BackupNotFoundError, selectBackupsToRemove } from './select-backups';

jest.mock('../../retention/apply-retention', () => ({ applyRetention: jest.fn() }));
const retention = jest.mocked(applyRetention);

const NOW = new Date('2026-03-10T00:00:00Z');
const backup = (name: string, time: string, fields: Partial<BackupSummary> = {}): BackupSummary => ({
  name,
  snapshotTag: name,
  cluster: 'test',
  time,
  scope: 'cluster',
  nodesComplete: 3,
  nodesExpected: 3,
  totalBytes: 0,
  addedBytes: 0,
  complete: true,
  nodes: [],
  ...fields,
});
// newest first, as the listing gives them
const catalog = [
  backup('d', '2026-03-09T00:00:00Z', { complete: false, nodesComplete: 1 }),
  backup('c', '2026-03-08T00:00:00Z'),
  backup('b', '2026-03-05T00:00:00Z', { partial: true }),
  backup('a', '2026-03-01T00:00:00Z', { complete: false, nodesComplete: 2 }),
  backup('z', '2026-03-02T00:00:00Z'),
];
const names = (request: Parameters<typeof selectBackupsToRemove>[0]) =>
  selectBackupsToRemove(request, catalog, new Set(['gone']), NOW).chosen.map((b) => b.name);

describe('selectBackupsToRemove', () => {
  it('removeOldest: the oldest complete, non-partial backup (an incomplete one may still be running)', () => {
    expect(names({ removeOldest: true })).toEqual(['z']);
  });

  it('olderThan: every complete, non-partial backup started before now minus the duration, oldest first', () => {
    expect(names({ olderThan: '3 days' })).toEqual(['z']);
    expect(names({ olderThan: '1 day' })).toEqual(['z', 'c']);
    expect(names({ olderThan: '30 days' })).toEqual([]);
  });

  it('backupName: that backup whatever its state; a tombstoned one is finished; an unknown one is an error', () => {
    expect(names({ backupName: 'a' })).toEqual(['a']);
    expect(selectBackupsToRemove({ backupName: 'gone' }, catalog, new Set(['gone']), NOW)).toEqual({
      chosen: [],
      alreadyTombstoned: 'gone',
    });
    expect(() => names({ backupName: 'nope' })).toThrow(BackupNotFoundError);
  });

  it('retention: applyRetention decides over every backup (complete = committed and not partial); what it drops goes', () => {
    retention.mockImplementation((candidates: RetentionCandidate[]) =>
      candidates.map((c) => ({ name: c.name, keep: c.name === 'c', reasons: [c.name === 'c' ? 'keepLast' : 'not kept'] })),
    );
    const policy: RetentionPolicy = { keepLast: 1 };
    const selection = selectBackupsToRemove({ retention: policy }, catalog, new Set(), NOW);
    expect(retention).toHaveBeenCalledWith(
      [
        { name: 'a', time: Date.parse('2026-03-01T00:00:00Z'), complete: false },
        { name: 'z', time: Date.parse('2026-03-02T00:00:00Z'), complete: true },
        { name: 'b', time: Date.parse('2026-03-05T00:00:00Z'), complete: false },
        { name: 'c', time: Date.parse('2026-03-08T00:00:00Z'), complete: true },
        { name: 'd', time: Date.parse('2026-03-09T00:00:00Z'), complete: false },
      ],
      policy,
      NOW.getTime(),
    );
    expect(selection.chosen.map((b) => b.name)).toEqual(['a', 'z', 'b', 'd']);
    expect(selection.retention).toHaveLength(5);
  });
});
