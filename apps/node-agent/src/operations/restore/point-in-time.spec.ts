import { BackupSummary } from '../../repository/backup-catalog';
import { latestBackupBefore, usablePlan } from './point-in-time';

const backup = (name: string, start: string, end: string | undefined, fields: Partial<BackupSummary> = {}): BackupSummary => ({
  name,
  snapshotTag: name,
  cluster: 'c',
  time: start,
  ...(end ? { endTime: end } : {}),
  scope: 'cluster',
  nodesComplete: 2,
  nodesExpected: 2,
  totalBytes: 1,
  addedBytes: 1,
  complete: true,
  nodes: [
    { hostId: 'h1', dc: 'dc1' },
    { hostId: 'h2', dc: 'dc1' },
  ],
  ...fields,
});

describe('point-in-time restore: choosing the backup', () => {
  const point = Date.parse('2026-11-30T12:00:00Z');

  it('takes the latest complete backup of the node that finished at or before the point', () => {
    const backups = [
      backup('early', '2026-11-30T08:00:00Z', '2026-11-30T08:05:00Z'),
      backup('late', '2026-11-30T11:00:00Z', '2026-11-30T12:00:00Z'),
      backup('after', '2026-11-30T13:00:00Z', '2026-11-30T13:05:00Z'),
    ];
    expect(latestBackupBefore(backups, 'h1', point)?.name).toBe('late');
  });

  it('skips a backup still running at the point (its snapshot may hold later writes), incomplete ones and ones without the node', () => {
    const backups = [
      backup('early', '2026-11-30T08:00:00Z', '2026-11-30T08:05:00Z'),
      backup('straddles', '2026-11-30T11:59:00Z', '2026-11-30T12:01:00Z'),
      backup('unfinished', '2026-11-30T11:00:00Z', undefined),
      backup('incomplete', '2026-11-30T10:00:00Z', '2026-11-30T10:05:00Z', { complete: false }),
      backup('others', '2026-11-30T10:30:00Z', '2026-11-30T10:35:00Z', { nodes: [{ hostId: 'h2', dc: 'dc1' }] }),
    ];
    expect(latestBackupBefore(backups, 'h1', point)?.name).toBe('early');
    expect(latestBackupBefore(backups, 'h1', Date.parse('2026-11-30T07:00:00Z'))).toBeUndefined();
  });

  it('refuses to change anything without a plan free of problems', () => {
    expect(() => usablePlan(undefined, 'h1')).toThrow('no PITR_PLAN result');
    const problem = { kind: 'gap' as const, message: 'segments missing' };
    expect(() => usablePlan({ pointInTime: 'x', backup: null, segments: null, problem }, 'h1')).toThrow('segments missing');
  });
});
