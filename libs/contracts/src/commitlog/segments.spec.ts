import { CommitLogLayout, followsWithoutGap, IndexedSegment, parseIndexKey, parseSegmentName, selectSegments } from './segments';

const node = { cluster: 'c', dc: 'dc1', hostId: 'h' };
const BASE = 1_764_000_000_000; // a process's first segment id: its start time in ms
const seg = (id: number, lastModifiedMs: number, objectPresent = true): IndexedSegment => ({
  id,
  lastModifiedMs,
  indexKey: CommitLogLayout.indexEntry(node, id, lastModifiedMs),
  objectPresent,
});

describe('commit-log segment names and index keys', () => {
  it('parses Cassandra segment names and nothing else', () => {
    expect(parseSegmentName('CommitLog-7-1764000000000.log')).toEqual({
      name: 'CommitLog-7-1764000000000.log',
      version: 7,
      id: 1764000000000,
    });
    expect(parseSegmentName('CommitLog-7-1.log.part')).toBeUndefined();
    expect(parseSegmentName('CommitLog-7-1_cdc.idx')).toBeUndefined();
    expect(parseSegmentName('../CommitLog-7-1.log')).toBeUndefined();
    expect(parseSegmentName('CommitLog-7-99999999999999999999.log')).toBeUndefined();
  });

  it('index keys sort by id and carry the last write time', () => {
    const key = CommitLogLayout.indexEntry(node, 42, BASE);
    expect(key).toBe('c/dc1/h/commitlog/index/0000000000000000042-001764000000000.json');
    expect(parseIndexKey(key)).toEqual({ id: 42, lastModifiedMs: BASE });
    expect(parseIndexKey('c/dc1/h/commitlog/index/42-1.json')).toBeUndefined();
    expect(CommitLogLayout.indexEntry(node, 9, 0) < CommitLogLayout.indexEntry(node, 10, 0)).toBe(true);
  });
});

describe('selectSegments', () => {
  // one process: ids BASE..BASE+3, written a minute apart
  const run = [0, 1, 2, 3].map((i) => seg(BASE + i, BASE + 60_000 * (i + 1)));

  it('takes from the first segment written at or after the start to the first written at or after the end', () => {
    const chosen = selectSegments(run, BASE + 90_000, BASE + 150_000);
    expect(chosen).toEqual({ ok: true, segments: [run[1], run[2]] });
    expect(selectSegments(run, 0, BASE + 240_000)).toEqual({ ok: true, segments: run });
  });

  it('refuses an end the archive does not reach yet', () => {
    const chosen = selectSegments(run, 0, BASE + 240_001);
    expect(chosen).toMatchObject({ ok: false, problem: 'not-covered' });
    expect(!chosen.ok && chosen.message).toContain('reach only');
    expect(selectSegments([], 0, 1)).toMatchObject({ ok: false, problem: 'empty' });
  });

  it('finds a missing id within one process as a gap, also just before the first segment chosen', () => {
    const holed = [run[0], run[1], run[3]];
    const chosen = selectSegments(holed, 0, BASE + 240_000);
    expect(chosen).toMatchObject({ ok: false, problem: 'gap' });
    expect(!chosen.ok && chosen.message).toContain(`between segment ${BASE + 1}`);
    expect(selectSegments(holed, BASE + 200_000, BASE + 240_000)).toMatchObject({ ok: false, problem: 'gap' });
    // a gap wholly before the range does not matter
    expect(selectSegments([run[0], run[2], run[3]], BASE + 200_000, BASE + 240_000)).toEqual({ ok: true, segments: [run[3]] });
  });

  it('takes a jump to a clock-based id after a restart as no gap', () => {
    const restartedAt = BASE + 300_000;
    const after = [seg(restartedAt, restartedAt + 60_000), seg(restartedAt + 1, restartedAt + 120_000)];
    expect(followsWithoutGap(run[3], after[0])).toBe(true);
    expect(selectSegments([...run, ...after], BASE + 200_000, restartedAt + 100_000)).toEqual({ ok: true, segments: [run[3], ...after] });
  });

  it('refuses a chosen segment whose object is gone from the store', () => {
    const gone = [run[0], seg(run[1].id, run[1].lastModifiedMs, false), run[2]];
    const chosen = selectSegments(gone, 0, BASE + 180_000);
    expect(chosen).toMatchObject({ ok: false, problem: 'missing-object' });
    expect(!chosen.ok && chosen.message).toContain('gap');
  });
});
