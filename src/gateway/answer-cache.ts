/**
 * A short-lived cache of answers that came over request-reply, kept true by events that evict
 * them. An answer whose request was in flight when any eviction arrived is used for that request
 * but not kept: it may have been computed before the change the eviction announced, and keeping
 * it would undo the eviction for up to the whole lifetime.
 */
export class AnswerCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  /** Counts evictions; an answer is kept only if none happened while it was fetched. */
  private evictions = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  /**
   * The cached answer for `key`, or `load()`'s. `endOf` caps how long an answer may be kept
   * (epoch milliseconds; e.g. a session's own expiry).
   */
  async get(key: string, load: () => Promise<V>, endOf?: (value: V) => number): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const before = this.evictions;
    const value = await load();
    if (before === this.evictions) {
      if (this.entries.size >= this.max) this.entries.clear();
      const until = Math.min(Date.now() + this.ttlMs, endOf?.(value) ?? Infinity);
      this.entries.set(key, { value, until });
    }
    return value;
  }

  evict(key: string): void {
    this.evictions++;
    this.entries.delete(key);
  }
}
