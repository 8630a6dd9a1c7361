import { ProgressSink } from './local-run';
import { BarProgressSink, JsonProgressSink } from './progress-sink';

/** `--output`: text (progress bars on a terminal) or json (for scripts). */
export type OutputMode = 'text' | 'json';

/** Progress bars on a terminal; JSON lines with --output json; otherwise a line a phase. */
export function progressSink(mode: OutputMode): ProgressSink {
  if (mode === 'json') return new JsonProgressSink();
  if (process.stderr.isTTY) return new BarProgressSink();
  // piped: one line a phase, no bars
  return {
    phase: (name) => process.stderr.write(`${name}: started\n`),
    progress: () => undefined,
    phaseDone: (name) => process.stderr.write(`${name}: done\n`),
    close: () => undefined,
  };
}
