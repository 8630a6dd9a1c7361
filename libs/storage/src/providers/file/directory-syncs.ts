/**
 * fsyncs of directories, shared by the puts that need one at the same time (group commit): a put that renamed
 * its file into a directory needs an fsync of that directory that *starts after* its rename. While one fsync
 * of a directory runs, every put asking for one waits for the next, which starts when the running one ends and
 * covers them all. Eight puts into one directory then cost about two fsyncs instead of eight, and each put
 * still returns only once its own rename is durable.
 */
export class DirectorySyncs {
  private readonly states = new Map<string, { running: Promise<void>; next?: Promise<void> }>();

  constructor(private readonly fsync: (dir: string) => Promise<void>) {}

  /** Resolves once an fsync of `dir` that started after this call has completed (rejects with its error). */
  sync(dir: string): Promise<void> {
    const state = this.states.get(dir);
    if (!state) return this.start(dir);
    // the running fsync may have started before the caller's rename: it waits for the next one
    state.next ??= state.running.then(
      () => this.startNext(dir),
      () => this.startNext(dir),
    );
    return state.next;
  }

  private start(dir: string): Promise<void> {
    const running = this.fsync(dir).finally(() => {
      const state = this.states.get(dir);
      if (state?.running === running && state.next === undefined) this.states.delete(dir);
    });
    this.states.set(dir, { running });
    return running;
  }

  private startNext(dir: string): Promise<void> {
    this.states.delete(dir);
    return this.start(dir);
  }
}
