import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvelope } from "../../src/messaging/envelope.ts";
import { KafkaTransport } from "../../src/messaging/kafka/kafka-transport.ts";
import type { Delivery, OutgoingMessage } from "../../src/messaging/transport.ts";
import {
  announceSkip,
  kafkaBrokers,
  MOCK_BROKER_FETCH_WAIT_MS,
  testLogger,
  unique,
  waitFor,
} from "../support/index.ts";

if (!kafkaBrokers) announceSkip("Kafka suites", "set KAFKA_BROKERS (npm run broker prints it) to run them.");

function message(topic: string, key: string, seq: number, headers?: Record<string, string>): OutgoingMessage {
  return {
    topic,
    key,
    envelope: createEnvelope({ type: "kafka-test.item", key, payload: { key, seq } }),
    ...(headers ? { headers } : {}),
  };
}

const seqOf = (d: Delivery): number => (d.envelope.payload as { seq: number }).seq;

describe.skipIf(!kafkaBrokers)("KafkaTransport", () => {
  let transport: KafkaTransport;

  beforeAll(async () => {
    transport = new KafkaTransport({
      brokers: (kafkaBrokers ?? "").split(","),
      clientId: unique("kafka-test"),
      log: testLogger(),
      fetchWaitMs: MOCK_BROKER_FETCH_WAIT_MS,
    });
    await transport.start();
  });
  afterAll(async () => {
    await transport?.stop();
  });

  it("answers a ping and creates topics once, however often asked", async () => {
    await transport.ping();
    const topic = unique("ensure");
    await Promise.all([transport.ensureTopics([topic]), transport.ensureTopics([topic, topic])]);
    await transport.ensureTopics([topic]);
    const listed = (await transport.listTopics()).filter((t) => t.topic === topic);
    expect(listed).toHaveLength(1);
    expect(listed[0]?.partitions).toBeGreaterThan(0);
  });

  it("delivers what was published: envelope, key, headers, partition and offset", async () => {
    const topic = unique("roundtrip");
    const sent = message(topic, "user-1", 1, { "x-error": "boom" });
    await transport.publish([sent]);
    const got: Delivery[] = [];
    const sub = await transport.subscribe({
      groupId: unique("g"),
      topics: [topic],
      handler: async (d) => void got.push(d),
    });
    try {
      await sub.ready;
      expect(sub.assignment().length).toBeGreaterThan(0);
      expect(sub.assignment().every((slot) => slot.startsWith(`${topic}:`))).toBe(true);
      await waitFor("the message", () => got.length === 1, 20_000);
      const [d] = got;
      expect(d?.envelope).toEqual(sent.envelope);
      expect(d?.key).toBe("user-1");
      expect(d?.topic).toBe(topic);
      expect(d?.offset).toBe("0");
      // The event-type header is Kafka-side routing only: a delivery carries what was published.
      expect(d?.headers).toEqual({ "x-error": "boom" });
    } finally {
      await sub.stop();
    }
    expect(sub.assignment()).toEqual([]);
  });

  it("keeps order per key and puts one key on one partition", async () => {
    const topic = unique("order");
    const keys = ["k1", "k2", "k3", "k4"];
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        keys.map((key) => transport.publish([0, 1, 2].map((i) => message(topic, key, round * 3 + i)))),
      );
    }
    const seen = new Map<string, Delivery[]>();
    const sub = await transport.subscribe({
      groupId: unique("g"),
      topics: [topic],
      handler: async (d) => void seen.set(d.key, [...(seen.get(d.key) ?? []), d]),
    });
    try {
      await waitFor("60 messages", () => [...seen.values()].flat().length === 60, 20_000);
      for (const key of keys) {
        const deliveries = seen.get(key) ?? [];
        expect(deliveries.map(seqOf)).toEqual(Array.from({ length: 15 }, (_, i) => i));
        expect(new Set(deliveries.map((d) => d.partition)).size).toBe(1);
      }
    } finally {
      await sub.stop();
    }
  });

  it("delivers a message again when the handler rejects, and moves on once it resolves", async () => {
    const topic = unique("redeliver");
    await transport.publish([message(topic, "k", 1), message(topic, "k", 2)]);
    const attempts: number[] = [];
    const sub = await transport.subscribe({
      groupId: unique("g"),
      topics: [topic],
      handler: async (d) => {
        attempts.push(seqOf(d));
        if (seqOf(d) === 1 && attempts.length < 3) throw new Error("not yet");
      },
    });
    try {
      await waitFor("both messages handled", () => attempts.includes(2), 20_000);
      expect(attempts).toEqual([1, 1, 1, 2]);
    } finally {
      await sub.stop();
    }
  });

  it("commits what was handled on stop and never what was not", async () => {
    const topic = unique("commit");
    const groupId = unique("g");
    await transport.publish([1, 2, 3].map((seq) => message(topic, "k", seq)));
    const first: number[] = [];
    const failing = await transport.subscribe({
      groupId,
      topics: [topic],
      handler: async (d) => {
        first.push(seqOf(d));
        if (seqOf(d) === 2) throw new Error("fails until the member stops");
      },
    });
    await waitFor("the failing message", () => first.includes(2), 20_000);
    await failing.stop();
    const second: number[] = [];
    const next = await transport.subscribe({
      groupId,
      topics: [topic],
      handler: async (d) => void second.push(seqOf(d)),
    });
    try {
      await waitFor("the rest", () => second.includes(3), 20_000);
      expect(first[0]).toBe(1);
      expect(second).toEqual([2, 3]);
    } finally {
      await next.stop();
    }
  });

  it("reads a topic without a group: oldest first, up to a limit, from a time", async () => {
    const topic = unique("read");
    expect(await transport.read(topic)).toEqual([]);
    await transport.publish(Array.from({ length: 6 }, (_, i) => message(topic, `k${i % 3}`, i)));
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await transport.publish([message(topic, "k0", 6), message(topic, "k1", 7)]);

    const all = await transport.read(topic);
    expect(all.map(seqOf).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(all.slice(-2).map(seqOf).sort()).toEqual([6, 7]);
    expect(await transport.read(topic, { limit: 6 })).toHaveLength(6);
    expect((await transport.read(topic, { fromTimestamp: since })).map(seqOf).sort()).toEqual([6, 7]);
  });

  it("works a member's partitions at the same time, in order within each", async () => {
    const topic = unique("concurrent");
    await transport.ensureTopics([topic]);
    const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    const inFlight = new Set<number>();
    let overlapped = false;
    const seen: Delivery[] = [];
    const sub = await transport.subscribe({
      groupId: unique("g"),
      topics: [topic],
      handler: async (d) => {
        // Each message holds its partition until another partition's message runs alongside
        // it (or 3 s pass): one partition at a time would never overlap.
        inFlight.add(d.partition);
        if (inFlight.size > 1) overlapped = true;
        const until = Date.now() + 3_000;
        while (!overlapped && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
        seen.push(d);
        inFlight.delete(d.partition);
      },
    });
    try {
      await sub.ready;
      await transport.publish(keys.flatMap((key) => [0, 1].map((i) => message(topic, key, i))));
      await waitFor("every message", () => seen.length === keys.length * 2, 30_000);
      expect(new Set(seen.map((d) => d.partition)).size).toBeGreaterThan(1);
      expect(overlapped).toBe(true);
      for (const key of keys) {
        expect(seen.filter((d) => d.key === key).map(seqOf)).toEqual([0, 1]);
      }
    } finally {
      await sub.stop();
    }
  }, 60_000);
});
