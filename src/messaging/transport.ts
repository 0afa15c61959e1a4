import type { Database, Executor } from "../db/database.ts";
import type { Envelope } from "./envelope.ts";

/** A message as the log delivers it. `offset` is a decimal string (Kafka offsets are int64). */
export interface Delivery {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly envelope: Envelope;
  /** Extra headers, e.g. the error of a dead letter. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface OutgoingMessage {
  readonly topic: string;
  /** The ordering key: messages with the same key go to the same partition. */
  readonly key: string;
  readonly envelope: Envelope;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Called once per message, in order within a partition. When it resolves the offset may be
 * committed; when it rejects, the offset is NOT committed and the message will be delivered
 * again (to this member after a restart, or to another member of the group).
 */
export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

export interface SubscribeOptions {
  /** Consumer group: members of one group share the topic's partitions. */
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handler: DeliveryHandler;
  /** Where a group with no committed offset starts: the oldest retained message (default) or new ones only. */
  readonly fromBeginning?: boolean;
}

export interface Subscription {
  /** Resolves once the member holds its partitions (after a group join). */
  readonly ready: Promise<void>;
  /** The partitions this member holds now, as "topic:partition". */
  assignment(): string[];
  /** Stops after the message in flight; commits what was handled, never what was not. */
  stop(): Promise<void>;
}

/** How far one consumer group is behind on one topic: messages on the log it has not committed. */
export interface ConsumerLag {
  readonly group: string;
  readonly topic: string;
  readonly lag: number;
}

export interface TopicInfo {
  readonly topic: string;
  readonly partitions: number;
}

/**
 * The port every service talks to. Two adapters: the embedded durable log (default) and
 * Kafka. test/conformance/transport.ts holds the suite both must pass.
 */
export interface Transport {
  readonly kind: "embedded" | "kafka";
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Creates topics that do not exist yet (Kafka: falls back to auto-create when refused). */
  ensureTopics(topics: readonly string[]): Promise<void>;
  /** Appends messages; resolves when the log has them durably. Order is kept per key. */
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Reads a topic from its start without joining a group (DLQ listing, the event-flow page). */
  read(topic: string, options?: { limit?: number; fromTimestamp?: Date }): Promise<Delivery[]>;
  listTopics(): Promise<TopicInfo[]>;
  /** Throws when the log cannot be reached (readiness). */
  ping(): Promise<void>;
  /** The lag of the consumer groups this transport's subscriptions belong to (metrics); optional. */
  consumerLag?(): Promise<ConsumerLag[]>;
  /**
   * When the log lives in `db` itself and can take part in its transactions (the embedded log on
   * PGlite): runs fn in one transaction of `db` in which `append` adds messages to the log, so
   * they commit with fn's writes, with no outbox between. Undefined otherwise: services write
   * what they emit to their outbox, and its relay publishes it.
   */
  transactionIn?(db: Database): AppendingTransaction | undefined;
}

/** Appends messages to the log inside the transaction it was handed with. */
export type AppendWithin = (messages: readonly OutgoingMessage[]) => Promise<void>;

/** Runs fn in one transaction in which `append` writes to the log (see Transport.transactionIn). */
export type AppendingTransaction = <T>(fn: (tx: Executor, append: AppendWithin) => Promise<T>) => Promise<T>;

export const dlqTopic = (topic: string): string => `${topic}.dlq`;
export const isDlqTopic = (topic: string): boolean => topic.endsWith(".dlq");
