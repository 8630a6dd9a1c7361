import { DirectorySyncs } from './directory-syncs';

/** An fsync the test finishes by hand; records which directory each started on, in order. */
function manualFsync() {
  const started: Array<{ dir: string; finish: (error?: Error) => void }> = [];
  const fsync = (dir: string) =>
    new Promise<void>((resolve, reject) => started.push({ dir, finish: (error) => (error ? reject(error) : resolve()) }));
  return { started, fsync };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

function tracked(promise: Promise<void>) {
  const state = { done: false, error: undefined as unknown };
  promise.then(
    () => (state.done = true),
    (error: unknown) => ((state.done = true), (state.error = error)),
  );
  return state;
}

describe('DirectorySyncs', () => {
  it('runs one fsync for a lone caller', async () => {
    const { started, fsync } = manualFsync();
    const syncs = new DirectorySyncs(fsync);
    const first = tracked(syncs.sync('/d'));
    expect(started.map((s) => s.dir)).toEqual(['/d']);
    started[0].finish();
    await settled();
    expect(first.done).toBe(true);
  });

  it('makes callers arriving during an fsync wait for one more that starts after it, shared by all of them', async () => {
    const { started, fsync } = manualFsync();
    const syncs = new DirectorySyncs(fsync);
    const first = tracked(syncs.sync('/d'));
    const later = [tracked(syncs.sync('/d')), tracked(syncs.sync('/d')), tracked(syncs.sync('/d'))];
    expect(started).toHaveLength(1); // the later ones do not start an fsync while one runs
    started[0].finish();
    await settled();
    expect(first.done).toBe(true);
    // the running fsync may have begun before their renames: they are not done until the next one is
    expect(later.map((c) => c.done)).toEqual([false, false, false]);
    expect(started).toHaveLength(2);
    started[1].finish();
    await settled();
    expect(later.map((c) => c.done)).toEqual([true, true, true]);
    expect(started).toHaveLength(2);
    // and the directory starts afresh afterwards
    const again = tracked(syncs.sync('/d'));
    expect(started).toHaveLength(3);
    started[2].finish();
    await settled();
    expect(again.done).toBe(true);
  });

  it('fails the callers of a failed fsync and still runs the next one for those waiting', async () => {
    const { started, fsync } = manualFsync();
    const syncs = new DirectorySyncs(fsync);
    const first = tracked(syncs.sync('/d'));
    const waiting = tracked(syncs.sync('/d'));
    started[0].finish(new Error('EIO'));
    await settled();
    expect(first.error).toEqual(new Error('EIO'));
    expect(waiting.done).toBe(false);
    started[1].finish();
    await settled();
    expect(waiting).toEqual({ done: true, error: undefined });
  });

  it('syncs different directories independently', async () => {
    const { started, fsync } = manualFsync();
    const syncs = new DirectorySyncs(fsync);
    const a = tracked(syncs.sync('/a'));
    const b = tracked(syncs.sync('/b'));
    expect(started.map((s) => s.dir)).toEqual(['/a', '/b']);
    started[1].finish();
    await settled();
    expect([a.done, b.done]).toEqual([false, true]);
    started[0].finish();
    await settled();
    expect(a.done).toBe(true);
  });
});
