/**
 * Counts events per key in fixed windows, in memory, per gateway instance. Good enough for
 * abuse limits (per IP, per email); the exact per-account lock lives in `login`.
 */
export class RateLimiter {
  private readonly counts = new Map<string, { count: number; resetAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(windowMs, 60_000)).unref();
  }

  /** Whether `key` has used up its budget in the current window. */
  exceeded(key: string, now = Date.now()): boolean {
    const entry = this.counts.get(key);
    return entry !== undefined && entry.resetAt > now && entry.count >= this.limit;
  }

  /** Counts one event; returns true when this one is over the limit. */
  hit(key: string, now = Date.now()): boolean {
    let entry = this.counts.get(key);
    if (!entry || entry.resetAt <= now) {
      entry = { count: 0, resetAt: now + this.windowMs };
      this.counts.set(key, entry);
    }
    entry.count++;
    return entry.count > this.limit;
  }

  retryAfterSeconds(key: string, now = Date.now()): number {
    const entry = this.counts.get(key);
    return entry ? Math.max(1, Math.ceil((entry.resetAt - now) / 1000)) : 1;
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private sweep(now = Date.now()): void {
    for (const [key, entry] of this.counts) if (entry.resetAt <= now) this.counts.delete(key);
  }
}
