import { describe, expect, it } from "vitest";
import { AnswerCache } from "../../src/gateway/answer-cache.ts";

/** A load whose answer the test releases by hand. */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("the gateway's answer cache", () => {
  it("keeps an answer for its lifetime, and loads again once evicted", async () => {
    const cache = new AnswerCache<string>(10_000, 100);
    let loads = 0;
    const load = async () => `answer ${++loads}`;
    expect(await cache.get("k", load)).toBe("answer 1");
    expect(await cache.get("k", load)).toBe("answer 1");
    cache.evict("k");
    expect(await cache.get("k", load)).toBe("answer 2");
  });

  it("peeks at a kept answer only while it is fresh, without loading", async () => {
    const cache = new AnswerCache<{ endsAt: number }>(10_000, 100);
    expect(cache.peek("k")).toBeUndefined();
    const kept = await cache.get(
      "k",
      async () => ({ endsAt: Date.now() + 60_000 }),
      (v) => v.endsAt,
    );
    expect(cache.peek("k")).toBe(kept);
    cache.evict("k");
    expect(cache.peek("k")).toBeUndefined();
    await cache.get(
      "k",
      async () => ({ endsAt: Date.now() - 1 }),
      (v) => v.endsAt,
    );
    expect(cache.peek("k")).toBeUndefined();
  });

  it("uses but does not keep an answer that was in flight when an eviction arrived", async () => {
    const cache = new AnswerCache<string>(10_000, 100);
    const slow = deferred<string>();
    const first = cache.get("session", () => slow.promise);
    // The revocation event arrives while get-session is on its way back.
    cache.evict("session");
    slow.resolve("valid (computed before the revocation)");
    expect(await first).toBe("valid (computed before the revocation)");
    expect(await cache.get("session", async () => "revoked")).toBe("revoked");
  });

  it("never keeps an answer past the end it names", async () => {
    const cache = new AnswerCache<{ endsAt: number }>(10_000, 100);
    let loads = 0;
    const load = async () => ({ endsAt: Date.now() - 1, n: ++loads });
    await cache.get("k", load, (v) => v.endsAt);
    await cache.get("k", load, (v) => v.endsAt);
    expect(loads).toBe(2);
  });

  it("stays within its size by starting over", async () => {
    const cache = new AnswerCache<number>(10_000, 2);
    let loads = 0;
    const load = async () => ++loads;
    for (const key of ["a", "b", "c", "a"]) await cache.get(key, load);
    // "c" found the cache full and emptied it, so "a" was loaded again.
    expect(loads).toBe(4);
  });
});
