/**
 * Work a coordinator does on a timer (the sweeper, the scheduler): every `intervalMs` once started, never two runs
 * at once — a run still going when the next is due makes that one a no-op, so a slow NATS never piles runs up.
 */
export class PeriodicWork {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(private readonly work: () => Promise<void>) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.runOnce(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One run now, unless one is going (then nothing). */
  async runOnce(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.work();
    } finally {
      this.running = false;
    }
  }
}
