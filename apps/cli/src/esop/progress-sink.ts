import { MultiBar, Presets, SingleBar } from 'cli-progress';
import { ProgressSink } from './local-run';

const BAR_STEPS = 1000;

/** One bar per phase on the terminal (stderr, so stdout keeps only the result). */
export class BarProgressSink implements ProgressSink {
  private readonly bars = new MultiBar(
    { format: ' {phase} |{bar}| {percentage}% {message}', hideCursor: true, clearOnComplete: false, stream: process.stderr },
    Presets.shades_classic,
  );
  private readonly byPhase = new Map<string, SingleBar>();

  phase(name: string): void {
    this.byPhase.set(name, this.bars.create(BAR_STEPS, 0, { phase: name.padEnd(9), message: '' }));
  }

  progress(phase: string, fraction: number, message?: string): void {
    this.byPhase.get(phase)?.update(Math.round(Math.min(1, Math.max(0, fraction)) * BAR_STEPS), { message: message ?? '' });
  }

  phaseDone(name: string): void {
    this.byPhase.get(name)?.update(BAR_STEPS, { message: 'done' });
  }

  close(): void {
    this.bars.stop();
  }
}

/** `--output json`: one JSON object a line on stderr for each change (stdout carries the final result). */
export class JsonProgressSink implements ProgressSink {
  constructor(private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {}

  phase(name: string): void {
    this.write(JSON.stringify({ event: 'phase', phase: name }));
  }

  progress(phase: string, fraction: number, message?: string): void {
    this.write(JSON.stringify({ event: 'progress', phase, fraction, ...(message ? { message } : {}) }));
  }

  phaseDone(name: string): void {
    this.write(JSON.stringify({ event: 'phase-done', phase: name }));
  }

  close(): void {
    // nothing to release
  }
}
