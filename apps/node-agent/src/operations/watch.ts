export interface WatchOptions {
  /** how often `poll` runs while the operation is in flight */
  intervalMs: number;
  signal: AbortSignal;
  /** reads and reports progress; its failures are ignored (a missed reading is not a failed operation) */
  poll(): Promise<void>;
  /**
   * Asks Cassandra to stop once the signal aborted, and again at every later interval while the call is
   * still running: a task Cassandra started after the first stop (the next table, the next SSTable) is
   * stopped too. The operation's own promise then settles.
   */
  onAbort?(): Promise<void>;
}

/**
 * Waits for a long JMX call while polling beside it. The call carries its own timeout (the JMX client's), so
 * this loop ends when the call settles, whatever happens to the polls.
 */
export async function watchWhileRunning<T>(operation: Promise<T>, options: WatchOptions): Promise<T> {
  let settled = false;
  const done = operation.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  let stopSent = false;
  while (!settled) {
    // the abort wakes the loop for the first stop only; after that the loop keeps its pace (no spinning)
    const wakeOnAbort = options.onAbort && !stopSent ? options.signal : undefined;
    await pause(options.intervalMs, wakeOnAbort, done);
    if (settled) break;
    if (options.signal.aborted && options.onAbort) {
      stopSent = true;
      await options.onAbort().catch(() => undefined);
    }
    await options.poll().catch(() => undefined);
  }
  return operation;
}

/** Resolves after `ms`, or earlier when the signal aborts or `done` settles; leaves no timer behind. */
function pause(ms: number, signal: AbortSignal | undefined, done: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    if (signal?.aborted) return finish();
    signal?.addEventListener('abort', finish, { once: true });
    void done.then(finish);
  });
}
