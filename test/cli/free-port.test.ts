import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { ephemeralRange, freePort } from "../../src/cli/free-port.ts";

describe("freePort", () => {
  it("hands out distinct ports outside the ephemeral range that a process can listen on", async () => {
    const [low, high] = ephemeralRange();
    expect(low).toBeGreaterThan(1_024);
    expect(high).toBeGreaterThanOrEqual(low);
    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      // Outside the range an outgoing connection's local port comes from, so none can take it.
      expect(port < low || port > high, `${port} in ${low}–${high}`).toBe(true);
      expect(port).toBeGreaterThanOrEqual(10_000);
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(ports[0], "127.0.0.1", resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
