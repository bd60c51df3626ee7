/**
 * Tokens-per-minute limit: a sliding one-minute window of (time, tokens).
 * Requests reserve an estimate before they start; the estimate is corrected
 * with the real usage when the response arrives.
 */
export class TokenBudget {
  private readonly window: { at: number; tokens: number; expired?: boolean }[] = [];
  private used = 0;

  constructor(
    readonly tokensPerMinute: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  private expire(): void {
    const cutoff = this.now() - 60_000;
    while (this.window.length > 0 && (this.window[0] as { at: number }).at <= cutoff) {
      const entry = this.window.shift() as { tokens: number; expired?: boolean };
      entry.expired = true;
      this.used -= entry.tokens;
    }
  }

  /** Waits until `tokens` fit in the last minute, then records them. Returns a handle to correct the figure. */
  async reserve(tokens: number): Promise<(actual: number) => void> {
    const want = Math.min(tokens, this.tokensPerMinute);
    for (;;) {
      this.expire();
      if (this.used + want <= this.tokensPerMinute || this.window.length === 0) break;
      const oldest = this.window[0] as { at: number };
      await this.sleep(Math.max(1, oldest.at + 60_000 - this.now()));
    }
    const entry: { at: number; tokens: number; expired?: boolean } = { at: this.now(), tokens: want };
    this.window.push(entry);
    this.used += want;
    return (actual: number) => {
      if (entry.expired) return;
      this.used += actual - entry.tokens;
      entry.tokens = actual;
    };
  }
}
