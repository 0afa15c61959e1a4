import { describe, expect, it } from "vitest";
import { z } from "zod";
import { requireStorableText } from "../../src/gateway/storable-text.ts";

/** The paths requireStorableText reports for `value`, or [] when it lets it through. */
function reported(value: unknown): string[] {
  try {
    requireStorableText(value);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(z.ZodError);
    return (error as z.ZodError).issues.map((i) => i.path.join(".") || "(root)");
  }
}

describe("requireStorableText", () => {
  it("lets through any well-formed text, emoji and other astral characters included", () => {
    expect(reported({ a: "plain", b: ["😀 𝕏 \u202e\uffff", { c: "\u0001\u007f" }], d: 1, e: null })).toEqual(
      [],
    );
    expect(reported("\ud83d\ude00")).toEqual([]);
  });

  it("reports every NUL character and unpaired surrogate with its path", () => {
    expect(
      reported({
        nul: "a\u0000b",
        high: "a\ud800",
        low: "\udc00b",
        reversed: "\ude00\ud83d",
        nested: { items: [{ description: "ok" }, { description: "x\u0000" }] },
      }),
    ).toEqual(["nul", "high", "low", "reversed", "nested.items.1.description"]);
  });

  it("reports a key that is not storable text at the object holding it", () => {
    expect(reported({ outer: { "k\u0000": 1 } })).toEqual(["outer"]);
  });

  it("stops at 20 details", () => {
    expect(reported(Array.from({ length: 500 }, () => "\u0000"))).toHaveLength(20);
  });

  it("walks a body nested 100,000 levels deep without overflowing the stack", () => {
    let deep: unknown = "\u0000";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const [path] = reported(deep);
    expect(path?.split(".")).toHaveLength(100_000);
  });
});
