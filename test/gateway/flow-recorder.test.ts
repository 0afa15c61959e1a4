import { describe, expect, it } from "vitest";
import { FlowRecorder, KEEP_MAX } from "../../src/gateway/flow-recorder.ts";
import type { DeliveryHandler, SubscribeOptions } from "../../src/messaging/transport.ts";
import type { Platform } from "../../src/runtime/platform.ts";

/** A recorder over a stand-in transport (a unit test of its memory): returns it and its handler. */
async function recorder(): Promise<{ flows: FlowRecorder; deliver: (n: number) => Promise<void> }> {
  let handler: DeliveryHandler | undefined;
  const platform = {
    instanceId: "test",
    transport: {
      subscribe: async (options: SubscribeOptions) => {
        handler = options.handler;
        return { ready: Promise.resolve(), assignment: () => [], stop: async () => {} };
      },
    },
  } as unknown as Platform;
  const flows = new FlowRecorder(platform);
  await flows.start();
  const deliver = (n: number) =>
    handler!({
      topic: "t",
      partition: 0,
      offset: String(n),
      key: "k",
      headers: {},
      envelope: {
        id: `m${n}`,
        type: "test.item",
        version: 1,
        key: "k",
        payload: {},
        source: "test",
        occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)).toISOString(),
        correlationId: `c${n % 3}`,
      } as never,
    });
  return { flows, deliver };
}

describe("the gateway's event-flow recorder", () => {
  it("keeps the newest messages up to its limit, whatever it holds in between", async () => {
    const { flows, deliver } = await recorder();
    const total = KEEP_MAX * 2 + 321;
    for (let n = 0; n < total; n++) await deliver(n);
    const kept = flows.flows(15).flatMap((f) => f.messages.map((m) => Number(m.id.slice(1))));
    expect(kept).toHaveLength(KEEP_MAX);
    expect(Math.min(...kept)).toBe(total - KEEP_MAX);
    expect(Math.max(...kept)).toBe(total - 1);
    expect(
      flows
        .flows(15)
        .map((f) => f.correlationId)
        .sort(),
    ).toEqual(["c0", "c1", "c2"]);
  });
});
