import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockBroker } from "../../src/cli/mock-broker.ts";
import { startMockBroker } from "../../src/cli/mock-broker.ts";
import { createEnvelope } from "../../src/messaging/envelope.ts";
import { KafkaTransport } from "../../src/messaging/kafka/kafka-transport.ts";
import { createLogger } from "../../src/platform/logger.ts";
import {
  announceSkip,
  kafkaBrokers,
  LogCapture,
  MOCK_BROKER_FETCH_WAIT_MS,
  unique,
  waitFor,
} from "../support/index.ts";

// A broker of its own that answers with the errors it is told to: the mock broker, built from
// tools/mock-broker (librdkafka-dev), which the Kafka suites' test broker is too.
const mockBuilt = existsSync(fileURLToPath(new URL("../../tools/mock-broker/mock-broker", import.meta.url)));
const canBuildMock = mockBuilt || spawnSync("pkg-config", ["--exists", "rdkafka"]).status === 0;
const run = Boolean(kafkaBrokers) && canBuildMock;
if (kafkaBrokers && !canBuildMock) {
  announceSkip(
    "Kafka consumer-crash suite",
    "it needs librdkafka-dev (apt-get install librdkafka-dev pkg-config).",
  );
}

const SYNC_GROUP = 14;
const INVALID_REQUEST = 42;

describe.skipIf(!run)("a Kafka consumer KafkaJS gives up on", () => {
  let broker: MockBroker;
  let transport: KafkaTransport;
  const capture = new LogCapture();

  beforeAll(async () => {
    // The broker's first SyncGroup answer is INVALID_REQUEST, which KafkaJS does not retry: its
    // consumer disconnects and stays down. (librdkafka's mock answers a member that syncs after
    // its group's leader so, which is how it first showed, on a service's second instance.)
    broker = await startMockBroker({
      requestErrors: [{ apiKey: SYNC_GROUP, errorCode: INVALID_REQUEST }],
    });
    transport = new KafkaTransport({
      brokers: [broker.bootstrap],
      clientId: unique("crash-test"),
      log: createLogger({ level: "info", destination: capture }),
      fetchWaitMs: MOCK_BROKER_FETCH_WAIT_MS,
    });
    await transport.start();
  });
  afterAll(async () => {
    await transport?.stop();
    await broker?.stop();
  });

  it(
    "starts it again: the member joins its group and gets what was published",
    { timeout: 60_000 },
    async () => {
      const topic = unique("crash");
      const groupId = unique("g");
      const got: string[] = [];
      const subscription = await transport.subscribe({
        groupId,
        topics: [topic],
        handler: async (d) => void got.push(d.key),
      });
      try {
        await transport.publish([
          {
            topic,
            key: "k-1",
            envelope: createEnvelope({ type: "crash-test.item", key: "k-1", payload: {} }),
          },
        ]);
        await waitFor("the message, after the restart", () => got.length === 1, 45_000);
        expect(got).toEqual(["k-1"]);
        expect(subscription.assignment().length).toBeGreaterThan(0);
      } finally {
        await subscription.stop();
      }
      const crash = capture.lines.find((l) => String(l.msg).startsWith("kafka consumer crashed on an error"));
      expect(crash).toMatchObject({ level: 50, groupId, restartInMs: 1_000 });
      expect(JSON.stringify(crash?.err)).toContain("KafkaJSProtocolError");
    },
  );

  it("does not start it again once it is stopped", { timeout: 40_000 }, async () => {
    // Two SyncGroups fail: were the stopped subscription started again, its consumer would join
    // and crash a second time, which KafkaJS logs.
    const failing = await startMockBroker({
      requestErrors: [{ apiKey: SYNC_GROUP, errorCode: INVALID_REQUEST, count: 2 }],
    });
    const lines = new LogCapture();
    const other = new KafkaTransport({
      brokers: [failing.bootstrap],
      clientId: unique("crash-stop"),
      log: createLogger({ level: "info", destination: lines }),
      fetchWaitMs: MOCK_BROKER_FETCH_WAIT_MS,
    });
    await other.start();
    const crashes = (): number => lines.lines.filter((l) => /crash/i.test(String(l.msg))).length;
    try {
      const subscription = await other.subscribe({
        groupId: unique("g"),
        topics: [unique("crash")],
        handler: async () => undefined,
      });
      await waitFor("the crash", () => lines.text.includes("kafka consumer crashed on an error"), 20_000);
      const seen = crashes();
      await subscription.stop();
      // Past the restart's delay (1 s) and a join on the mock (3 s for a group's first member).
      await new Promise((r) => setTimeout(r, 8_000));
      expect(crashes()).toBe(seen);
    } finally {
      await other.stop();
      await failing.stop();
    }
  });
});
