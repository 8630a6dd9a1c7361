import { CompactionTask } from '../cassandra/cassandra-node';
import { CompactionProgress } from './compaction-progress';

function task(table: string, completed: number, total: number, taskType = 'Scrub'): CompactionTask {
  return { id: `${table}-${completed}`, keyspace: 'ks', table, taskType, completed, total, unit: 'bytes' };
}

describe('CompactionProgress', () => {
  it('averages over every covered table, counting a table gone from the list as done', () => {
    const progress = new CompactionProgress('ks', ['a', 'b'], 'SCRUB');
    expect(progress.update([])).toBe(0);
    expect(progress.update([task('a', 40, 100)])).toBeCloseTo(0.2 * 0.95);
    expect(progress.update([task('b', 0, 100)])).toBeCloseTo(0.5 * 0.95);
    expect(progress.describe()).toBe('Scrub: 1 of 2 table(s) done');
    expect(progress.update([])).toBeCloseTo(0.95);
  });

  it('sums the parallel tasks of one table and never goes backwards', () => {
    const progress = new CompactionProgress('ks', ['a'], 'CLEANUP');
    expect(progress.update([task('a', 50, 100, 'Cleanup'), task('a', 0, 100, 'Cleanup')])).toBeCloseTo(0.25 * 0.95);
    // the next SSTable of the same table starts from zero
    expect(progress.update([task('a', 5, 100, 'Cleanup')])).toBeCloseTo(0.25 * 0.95);
    expect(progress.update([task('a', 0, 0, 'Cleanup')])).toBeCloseTo(0.25 * 0.95);
  });
});
