import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../../src/gateway/gateway.ts";
import { buildGateway } from "../../src/gateway/gateway.ts";
import { createLogger } from "../../src/platform/logger.ts";
import { Platform } from "../../src/runtime/platform.ts";
import { LogCapture, testConfig } from "../support/index.ts";

/**
 * request.log is the gateway's logger itself (no pino child per request): what ties a line to
 * its request is the correlation id and trace ids the logger adds from the request's context.
 */
describe("the gateway's request logs", { timeout: 60_000 }, () => {
  const capture = new LogCapture();
  let platform: Platform;
  let gateway: Gateway;

  beforeAll(async () => {
    platform = new Platform({
      config: testConfig(),
      services: [],
      inMemory: true,
      requester: true,
      log: createLogger({ level: "info", destination: capture }),
    });
    await platform.start();
    gateway = await buildGateway(platform);
    gateway.app.get("/api/v1/test-boom", async () => {
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error("boom");
    });
    await gateway.start();
    await gateway.app.ready();
  });
  afterAll(async () => {
    await gateway?.stop();
    await platform?.stop();
  });

  it("carry the request's correlation id and trace on an unhandled error, one id per request", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    for (let i = 0; i < 2; i++) {
      const answer = await gateway.app.inject({
        method: "GET",
        url: "/api/v1/test-boom",
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      });
      expect(answer.statusCode).toBe(500);
      expect(answer.json()).toMatchObject({ error: { code: "INTERNAL" } });
    }
    const errors = capture.lines.filter((l) => l.msg === "unhandled error");
    expect(errors).toHaveLength(2);
    for (const line of errors) {
      expect(line).toMatchObject({
        correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        traceId,
        err: { message: "boom" },
      });
    }
    expect(errors[0]?.correlationId).not.toBe(errors[1]?.correlationId);
  });
});
