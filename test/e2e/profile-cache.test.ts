import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Platform } from "../../src/runtime/platform.ts";
import type { Stack, StackKind } from "./stack.ts";
import { startGatewayBeside } from "../../src/gateway/second-instance.ts";
import { Client, stackKinds, startStack, until } from "./stack.ts";
import { activeUser } from "../security/support.ts";

/** How often accounts answered get-profile, from the platform's own counter. */
async function profileReads(platform: Platform): Promise<number> {
  const { values } = await platform.metrics.handled.get();
  return values
    .filter((v) => v.labels.consumer === "accounts.get-profile" && v.labels.outcome === "ok")
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * GET /api/v1/me is served from the gateway's profile cache: one get-profile per user while the
 * profile is unchanged, and a change made through another gateway instance shows on this one as
 * soon as its user.changed event arrives, well before the cache's 10 s lifetime.
 */
describe.each(stackKinds())("profile cache (%s)", { timeout: 300_000 }, (kind: StackKind) => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(kind);
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("asks accounts once for repeated reads of an unchanged profile", async () => {
    const { client } = await activeUser(stack);
    const before = await profileReads(stack.platform);
    const reads = await Promise.all([1, 2, 3].map(() => client.get("/api/v1/me")));
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200]);
    const after = await profileReads(stack.platform);
    // Three concurrent reads may all miss; the later ones must not.
    for (let i = 0; i < 5; i++) expect((await client.get("/api/v1/me")).status).toBe(200);
    expect(await profileReads(stack.platform)).toBe(after);
    expect(after - before).toBeGreaterThanOrEqual(1);
    expect(after - before).toBeLessThanOrEqual(3);
  });

  it("shows a change made through another gateway instance before its cache would expire", async () => {
    const gatewayB = await startGatewayBeside(stack.platform);
    try {
      const onB = new Client(gatewayB.url);

      // Two rounds: the first also warms B's user.changed subscription up (on Kafka the first
      // fetch after a group join can lag); the second must arrive well inside the 10 s lifetime.
      for (const [round, phone] of [
        [1, "+44 20 7946 0001"],
        [2, "+44 20 7946 0002"],
      ] as const) {
        const { client: onA, login } = await activeUser(stack);
        onB.bearer = login.body.token as string;
        const cached = await onB.get("/api/v1/me");
        expect(cached.status).toBe(200);
        expect(cached.body.phone).toBeNull();
        const patched = await onA.call("PATCH", "/api/v1/me", { phone });
        expect(patched.status).toBe(200);
        // The patching gateway reads its own write at once.
        expect((await onA.get("/api/v1/me")).body.phone).toBe(phone);
        const seen = await until(
          () => onB.get("/api/v1/me"),
          (a) => a.body.phone === phone,
          round === 1 ? 15_000 : 5_000,
        );
        expect(seen.body.phone, `round ${round}: gateway B still showed the old profile`).toBe(phone);
      }
    } finally {
      await gatewayB.stop();
    }
  });
});
