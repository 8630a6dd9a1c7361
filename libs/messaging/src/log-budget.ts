/**
 * At most `limit` log lines per window, for lines a producer can cause at will (a dead letter per junk message):
 * a flood of junk must not flood the log too. What is left out is counted and told in one line afterwards.
 */
export class LogBudget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;
  private skipped = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether one more line may be logged now; a new window starts (and its count resets) once the last one ended. */
  take(): boolean {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used < this.limit) {
      this.used += 1;
      return true;
    }
    this.skipped += 1;
    return false;
  }

  /** Lines left out since the last call (0 when none): the caller says so in one line. */
  drainSkipped(): number {
    const skipped = this.skipped;
    this.skipped = 0;
    return skipped;
  }
}
