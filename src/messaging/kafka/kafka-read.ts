import { randomUUID } from "node:crypto";
import type { Admin, EachBatchPayload, Kafka } from "kafkajs";
import type { Logger } from "../../platform/logger.ts";
import type { Delivery } from "../transport.ts";
import { toDelivery } from "./codec.ts";
import type { GroupTimings } from "./kafka-subscription.ts";

export interface ReadOptions {
  readonly limit?: number;
  readonly fromTimestamp?: Date;
}

export interface ReadContext {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly clientId: string;
  readonly log: Logger;
  readonly timings: GroupTimings;
  /** False when the broker answers timestamp lookups with the end offset (librdkafka's mock). */
  readonly timestampIndex: boolean;
  readonly timeoutMs: number;
}

interface Range {
  start: bigint;
  /** Set when the start is past the earliest offset, where a fresh group begins. */
  seek: boolean;
  /** The high watermark when the read began: the read stops there. */
  readonly end: bigint;
  collected: number;
}

type Found = Delivery & { readonly timestamp: number };

/**
 * Reads a topic from its start (or `fromTimestamp`) up to the end it has now, without
 * committing anything: KafkaJS has no group-less consumer, so a throwaway group with a random
 * id does the fetching and never commits. Returns the oldest `limit` messages, by timestamp.
 */
export async function readTopic(
  ctx: ReadContext,
  topic: string,
  options: ReadOptions = {},
): Promise<Delivery[]> {
  const limit = options.limit ?? 1000;
  const from = options.fromTimestamp?.getTime() ?? 0;
  const ranges = await partitionRanges(ctx, topic, from);
  for (const [partition, range] of ranges) if (range.start >= range.end) ranges.delete(partition);
  if (ranges.size === 0 || limit <= 0) return [];

  const found: Found[] = [];
  const consumer = ctx.kafka.consumer({
    groupId: `${ctx.clientId}-read-${randomUUID()}`,
    sessionTimeout: ctx.timings.sessionTimeout,
    heartbeatInterval: ctx.timings.heartbeatInterval,
    rebalanceTimeout: ctx.timings.rebalanceTimeout,
    maxWaitTimeInMs: 20,
  });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const done = (partition: number): void => {
    ranges.delete(partition);
    if (ranges.size === 0) finish();
  };

  const eachBatch = async ({ batch, isStale }: EachBatchPayload): Promise<void> => {
    const range = ranges.get(batch.partition);
    if (!range || isStale()) return;
    for (const record of batch.messages) {
      const offset = BigInt(record.offset);
      if (offset < range.start || offset >= range.end) continue;
      const timestamp = Number(record.timestamp);
      if (timestamp < from) continue;
      try {
        found.push({ ...toDelivery(topic, batch.partition, record), timestamp });
      } catch (error) {
        ctx.log.warn(
          { err: error, topic, partition: batch.partition, offset: record.offset },
          "read skips a record",
        );
        continue;
      }
      if (++range.collected >= limit) return done(batch.partition);
    }
    if (BigInt(batch.lastOffset()) >= range.end - 1n) done(batch.partition);
  };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`reading ${topic} did not reach the end within ${ctx.timeoutMs} ms`)),
      ctx.timeoutMs,
    );
  });
  try {
    await Promise.race([
      (async () => {
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({ autoCommit: false, eachBatch });
        // A fresh group starts at the earliest offset; move on to the timestamp's offset where known.
        for (const [partition, range] of ranges) {
          if (range.seek) consumer.seek({ topic, partition, offset: range.start.toString() });
        }
        await finished;
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  found.sort(
    (a, b) => a.timestamp - b.timestamp || a.partition - b.partition || compareOffsets(a.offset, b.offset),
  );
  return found.slice(0, limit).map(({ timestamp: _timestamp, ...delivery }) => delivery);
}

/** For each partition: where to start reading and where the log ends now. */
async function partitionRanges(ctx: ReadContext, topic: string, from: number): Promise<Map<number, Range>> {
  const ranges = new Map<number, Range>();
  let offsets: Awaited<ReturnType<Admin["fetchTopicOffsets"]>>;
  try {
    offsets = await ctx.admin.fetchTopicOffsets(topic);
  } catch (error) {
    // A topic nobody created yet holds no messages, as on the embedded log.
    if ((error as { type?: string }).type === "UNKNOWN_TOPIC_OR_PARTITION") return ranges;
    throw error;
  }
  for (const { partition, low, high } of offsets) {
    ranges.set(partition, { start: BigInt(low), end: BigInt(high), seek: false, collected: 0 });
  }
  if (from > 0 && ctx.timestampIndex) {
    // The first offset whose timestamp is at or after `from`; the end offset when there is none.
    for (const { partition, offset } of await ctx.admin.fetchTopicOffsetsByTimestamp(topic, from)) {
      const range = ranges.get(partition);
      if (range && BigInt(offset) > range.start) {
        range.start = BigInt(offset);
        range.seek = true;
      }
    }
  }
  return ranges;
}

function compareOffsets(a: string, b: string): number {
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
