import { Clock } from '@daedalus/common';
import type { ExecutionContext } from '../executor';
import type { DurationPacer } from './duration-pacer';

/** At most one progress event a second: an upload of thousands of files must not flood the events stream. */
const PROGRESS_INTERVAL_MS = 1_000;

/**
 * The `onProgress` of an upload (repository/uploader.ts `uploadSnapshot`): keeps a `duration` pacer on pace with
 * every update, and reports "N of M bytes uploaded" at most once a second (and at the end), as a fraction capped
 * at `cap` — what follows the upload (the manifest, the index) is the rest of the node's part.
 */
export function uploadProgress(
  context: Pick<ExecutionContext, 'progress'>,
  clock: Clock,
  pacer: DurationPacer | undefined,
  cap: number,
): (done: number, total: number) => void {
  let lastReport = 0;
  return (done, total) => {
    pacer?.update(done, total);
    const now = clock.now().getTime();
    if (now - lastReport < PROGRESS_INTERVAL_MS && done < total) return;
    lastReport = now;
    void context.progress(total === 0 ? cap : Math.min(cap, done / total), `${done} of ${total} bytes uploaded`).catch(() => undefined);
  };
}
