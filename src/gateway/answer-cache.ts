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
    const hit = this.peek(key);
    if (hit !== undefined) return hit;
    const before = this.evictions;
    const value = await load();
    if (before === this.evictions) {
      if (this.entries.size >= this.max) this.entries.clear();
      const until = Math.min(Date.now() + this.ttlMs, endOf?.(value) ?? Infinity);
      this.entries.set(key, { value, until });
    }
    return value;
  }

  /**
   * The kept answer for `key` while it is fresh, else undefined. Synchronous, so a hit on the
   * hot paths (every authenticated request) costs no promise and no closure.
   */
  peek(key: string): V | undefined {
    const hit = this.entries.get(key);
    return hit !== undefined && hit.until > Date.now() ? hit.value : undefined;
  }

  evict(key: string): void {
    this.evictions++;
    this.entries.delete(key);
  }
}
