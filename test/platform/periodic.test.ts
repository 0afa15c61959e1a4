import { describe, expect, it } from "vitest";
import { Periodic } from "../../src/platform/periodic.ts";
import { testLogger } from "../support/index.ts";

describe("periodic housekeeping", () => {
  it("logs a failed run and runs again on schedule, one run at a time", async () => {
    let calls = 0;
    let concurrent = 0;
    let most = 0;
    const periodic = new Periodic({
      name: "test task",
      everyMs: 10,
      runAtStart: true,
      log: testLogger(),
      task: async () => {
        calls++;
        concurrent++;
        most = Math.max(most, concurrent);
        await new Promise((resolve) => setTimeout(resolve, 25));
        concurrent--;
        if (calls === 1) throw new Error("database unavailable");
      },
    });
    periodic.start();
    try {
      await expect.poll(() => calls).toBeGreaterThanOrEqual(3);
    } finally {
      await periodic.stop();
    }
    expect(most).toBe(1);
    expect(concurrent).toBe(0);
  });

  it("waits at stop for a run under way", async () => {
    let finished = false;
    const periodic = new Periodic({
      name: "test task",
      everyMs: 60_000,
      runAtStart: true,
      log: testLogger(),
      task: async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        finished = true;
      },
    });
    periodic.start();
    await periodic.stop();
    expect(finished).toBe(true);
  });
});
