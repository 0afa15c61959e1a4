import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/platform/logger.ts";
import {
  currentCorrelationId,
  currentTrace,
  currentTraceparent,
  startSpan,
  withSpan,
} from "../../src/platform/telemetry.ts";
import { LogCapture } from "../support/index.ts";

const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("the work context (span and correlation id in one store)", () => {
  it("carries both across awaits and onto log lines", async () => {
    const capture = new LogCapture();
    const log = createLogger({ level: "info", destination: capture });
    const span = startSpan("GET /x", { parent, kind: "server" });
    await withSpan(
      span,
      async () => {
        await new Promise((resolve) => setImmediate(resolve));
        log.info("inside");
      },
      "correlation-1",
    );
    log.info("outside");
    expect(capture.lines[0]).toMatchObject({
      msg: "inside",
      correlationId: "correlation-1",
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: span.context.spanId,
    });
    expect(capture.lines[1]).not.toHaveProperty("correlationId");
    expect(capture.lines[1]).not.toHaveProperty("traceId");
  });

  it("keeps the correlation id in a child span that names none, and replaces it when one is named", () => {
    const outer = startSpan("outer");
    withSpan(
      outer,
      () => {
        const inner = startSpan("inner");
        expect(inner.context.traceId).toBe(outer.context.traceId);
        expect(inner.context.spanId).not.toBe(outer.context.spanId);
        withSpan(inner, () => {
          expect(currentCorrelationId()).toBe("outer-id");
          expect(currentTrace()).toEqual(inner.context);
          expect(currentTraceparent()).toBe(inner.traceparent);
        });
        withSpan(inner, () => expect(currentCorrelationId()).toBe("inner-id"), "inner-id");
        expect(currentCorrelationId()).toBe("outer-id");
        expect(currentTrace()).toEqual(outer.context);
      },
      "outer-id",
    );
    expect(currentCorrelationId()).toBeUndefined();
    expect(currentTraceparent()).toBeUndefined();
  });

  it("continues a valid traceparent and starts a new trace for a malformed one", () => {
    const continued = startSpan("a", { parent });
    expect(continued.context).toMatchObject({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", sampled: true });
    expect(continued.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    const fresh = startSpan("b", { parent: "00-xyz" });
    expect(fresh.context.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.context.traceId).not.toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });
});
