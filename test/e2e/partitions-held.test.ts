import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack, StackKind } from "./stack.ts";
import { stackKinds, startStack } from "./stack.ts";
import { waitFor } from "../support/index.ts";

/** `ledgerline_partitions_held` from /metrics, per group. */
async function partitionsHeld(stack: Stack): Promise<Map<string, number>> {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  const held = new Map<string, number>();
  for (const [, group, value] of text.matchAll(/^ledgerline_partitions_held\{group="([^"]+)"\} (\d+)$/gm))
    held.set(group!, Number(value));
  return held;
}

/**
 * /metrics says how many partitions each consumer group of the process's services holds, so a
 * member that holds none for long (down, or given nothing) shows on a dashboard, not only in
 * its log.
 */
describe.each(stackKinds())("partitions held (%s)", { timeout: 300_000 }, (kind: StackKind) => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(kind);
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("gives every service's groups, each holding partitions once it has joined", async () => {
    const groups = [...stack.platform.contexts.values()].flatMap((ctx) => ctx.held().map((h) => h.group));
    expect(groups.length).toBeGreaterThan(20);
    // A single instance gets every partition of its topics once its groups have joined.
    await waitFor(
      "every group to hold partitions",
      async () => {
        const held = await partitionsHeld(stack);
        return groups.every((g) => (held.get(g) ?? 0) > 0);
      },
      60_000,
    );
    const held = await partitionsHeld(stack);
    expect([...held.keys()].sort()).toEqual([...groups].sort());
  });
});
