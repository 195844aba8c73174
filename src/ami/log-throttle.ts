// Caps repetitive warnings (a flood of malformed events must not flood the log): at most `limit`
// lines per window; the next allowed line reports how many were suppressed.

export class LogThrottle {
  private windowStart = -Infinity;
  private used = 0;
  private suppressed = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** null: stay silent; otherwise log now, mentioning `suppressed` earlier lines. */
  take(): { suppressed: number } | null {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.limit) {
      this.suppressed += 1;
      return null;
    }
    this.used += 1;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return { suppressed };
  }
}
