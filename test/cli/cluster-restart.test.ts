import { describe, expect, it } from "vitest";
import { Cluster, MAX_RESTART_DELAY_MS, restartDelay } from "../../src/cli/cluster.ts";
import { TEST_SECRET, waitFor } from "../support/index.ts";

/**
 * A cluster of one gateway given an admin email without its password: its process refuses it
 * before it opens anything, and exits 2, every time.
 */
function gatewayThatCannotStart(output: (line: string) => void): Cluster {
  const { LEDGERLINE_ADMIN_PASSWORD: _unset, ...env } = process.env;
  return new Cluster({
    instances: new Map([["gateway", 1]]),
    env: { ...env, LEDGERLINE_SECRET: TEST_SECRET, LEDGERLINE_ADMIN_EMAIL: "admin@example.test" },
    gatewayPort: 0,
    restartDelayMs: 200,
    output,
  });
}

describe("the cluster's restart delay", () => {
  it("waits the base delay after a crash or a kill, and doubles it for each quick exit in a row", () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => restartDelay(1_000, n))).toEqual([
      1_000, 1_000, 2_000, 4_000, 8_000, 16_000,
    ]);
    expect(restartDelay(1_000, 6)).toBe(MAX_RESTART_DELAY_MS);
    expect(restartDelay(1_000, 60)).toBe(MAX_RESTART_DELAY_MS);
    // A base above the cap is kept: the cap never shortens what the operator asked for.
    expect(restartDelay(60_000, 3)).toBe(60_000);
  });

  it(
    "backs off a process that cannot start instead of starting it every second",
    { timeout: 60_000 },
    async () => {
      const lines: string[] = [];
      const cluster = gatewayThatCannotStart((line) => lines.push(line));
      await cluster.start();
      try {
        await waitFor(
          "the third exit",
          () => lines.filter((l) => l.includes("exited (2)")).length >= 3,
          50_000,
        );
      } finally {
        await cluster.stop(5_000);
      }
      const exits = lines.filter((l) => l.includes("exited (2)"));
      expect(exits.slice(0, 3)).toEqual([
        "[gateway#1] exited (2); starting it again in 0.2 s",
        "[gateway#1] exited (2); starting it again in 0.4 s (it exited within 30 s of its start 2 times in a row)",
        "[gateway#1] exited (2); starting it again in 0.8 s (it exited within 30 s of its start 3 times in a row)",
      ]);
      expect(lines).toContain(
        "[gateway#1]   - LEDGERLINE_ADMIN_EMAIL: set LEDGERLINE_ADMIN_PASSWORD too, or the admin cannot be created",
      );
    },
  );

  it(
    "says why a process is not ready: not running, its starts, its last exit and its last lines",
    { timeout: 60_000 },
    async () => {
      const cluster = gatewayThatCannotStart(() => undefined);
      await cluster.start();
      let message = "";
      try {
        await waitFor("its first exit", () => cluster.members[0]?.lastExit !== undefined, 50_000);
        await cluster.waitReady(1_000).catch((error: Error) => (message = error.message));
      } finally {
        await cluster.stop(5_000);
      }
      expect(message).toMatch(/^gateway#1 not ready within 1000 ms: (not )?running.*, started \d+ times/);
      expect(message).toContain("last exit: exit code 2");
      // Nothing listens on its port: the last /readyz answer is the connection error.
      expect(message).toMatch(/\/readyz: .*ECONNREFUSED/);
      expect(message).toContain(
        "  - LEDGERLINE_ADMIN_EMAIL: set LEDGERLINE_ADMIN_PASSWORD too, or the admin cannot be created",
      );
    },
  );
});
