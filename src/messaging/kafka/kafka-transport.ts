import kafkajs, { type Admin, type Kafka, type Message, type Producer } from "kafkajs";
import { sleep } from "../../platform/clock.ts";
import type { Logger } from "../../platform/logger.ts";
import type {
  ConsumerLag,
  Delivery,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
  TopicInfo,
  Transport,
} from "../transport.ts";
import { toRecord } from "./codec.ts";
import { kafkaLogCreator } from "./kafka-log.ts";
import { readTopic, type ReadOptions } from "./kafka-read.ts";
import { KafkaSubscription, type GroupTimings } from "./kafka-subscription.ts";

// KafkaJS is CommonJS and spreads part of its exports, which Node cannot name from ESM.
const { Kafka: KafkaClient, Partitioners, logLevel } = kafkajs;

export interface KafkaTransportOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly log: Logger;
  /** Partitions of the topics this transport creates. Auto-created topics get the broker's default. */
  readonly defaultPartitions?: number;
  /** Replicas of the topics this transport creates; -1 (default) is the broker's default. */
  readonly replicationFactor?: number;
  /** Group session timeout; real brokers refuse less than 6000 ms unless configured otherwise. */
  readonly sessionTimeout?: number;
  readonly heartbeatInterval?: number;
  readonly rebalanceTimeout?: number;
  /**
   * Partitions one member hands to its handler at once (order is per partition either way).
   * Default: defaultPartitions, so a member works all its partitions at once, as the embedded
   * log's partition readers do.
   */
  readonly partitionsConsumedConcurrently?: number;
  /** How long the broker may hold an empty fetch (KAFKA_FETCH_WAIT_MS, whose default is Kafka's 500 ms). */
  readonly fetchWaitMs: number;
  /** Idempotent producer where the cluster can give out producer ids (default true). */
  readonly idempotent?: boolean;
  /** How long `read` may take to reach the end of a topic. */
  readonly readTimeoutMs?: number;
  readonly pingTimeoutMs?: number;
}

interface PendingWrite {
  readonly messages: readonly OutgoingMessage[];
  resolve(): void;
  reject(error: unknown): void;
}

/** What the connected cluster can do, learned at start. */
interface ClusterTraits {
  /** A controller the client can reach: CreateTopics and (in KafkaJS) InitProducerId need one. */
  readonly controller: boolean;
  /** Timestamp lookups answer with the first offset at or after the time (not on librdkafka's mock). */
  readonly timestampIndex: boolean;
}

/** A publish refused at once because the broker is unreachable (another send is probing it). */
export class KafkaUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KafkaUnavailableError";
  }
}

/** Whether a failed send says the broker cannot be reached (not that one request was refused). */
function isConnectionError(error: unknown): boolean {
  const names = /KafkaJS(Connection|ConnectionClosed|BrokerNotFound|RequestTimeout)Error/;
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    const { name, message } = e as { name?: unknown; message?: unknown };
    if (
      (typeof name === "string" && names.test(name)) ||
      (typeof message === "string" && /ECONNREFUSED|ECONNRESET|Connection error/.test(message))
    ) {
      return true;
    }
    e =
      (e as { cause?: unknown; originalError?: unknown }).cause ??
      (e as { originalError?: unknown }).originalError;
  }
  return false;
}

/** Messages one produce request carries at most when concurrent publishes are coalesced. */
const MAX_BATCH = 1_000;

/**
 * The Transport over Apache Kafka (KafkaJS). Publishes go through one queue, coalesced into
 * one produce request, with one request in flight: the order of `publish` calls is the order
 * on each partition. Each subscription is its own consumer group member.
 */
export class KafkaTransport implements Transport {
  readonly kind = "kafka" as const;
  private readonly kafka: Kafka;
  private readonly log: Logger;
  private readonly clientId: string;
  private readonly defaultPartitions: number;
  private readonly replicationFactor: number;
  private readonly timings: GroupTimings;
  private readonly idempotent: boolean;
  private readonly readTimeoutMs: number;
  private readonly pingTimeoutMs: number;
  private readonly topics = new Map<string, number>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private traits: ClusterTraits = { controller: true, timestampIndex: true };
  private topicLock: Promise<void> = Promise.resolve();
  private queue: PendingWrite[] = [];
  private writing = false;
  /** Since when sends fail (the broker is unreachable); cleared by the next send that succeeds. */
  private failingSince: number | undefined;

  constructor(options: KafkaTransportOptions) {
    this.log = options.log;
    this.clientId = options.clientId;
    this.defaultPartitions = options.defaultPartitions ?? 4;
    this.replicationFactor = options.replicationFactor ?? -1;
    this.timings = {
      sessionTimeout: options.sessionTimeout ?? 6_000,
      heartbeatInterval: options.heartbeatInterval ?? 500,
      rebalanceTimeout: options.rebalanceTimeout ?? 3_000,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? this.defaultPartitions,
      fetchWaitMs: options.fetchWaitMs,
    };
    this.idempotent = options.idempotent ?? true;
    this.readTimeoutMs = options.readTimeoutMs ?? 30_000;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5_000;
    this.kafka = new KafkaClient({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(options.log),
      // Connecting to an unreachable broker gives up within about a second (KafkaJS's default
      // retries for ~17 s), so a publish fails in seconds and the publish circuit (below) opens;
      // consumers keep KafkaJS's own retries.
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 2 },
    });
  }

  async start(): Promise<void> {
    if (this.producer) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      this.traits = await this.learnTraits(admin);
      const idempotent = this.idempotent && this.traits.controller;
      if (this.idempotent && !idempotent) {
        this.log.warn(
          "the cluster names no reachable controller (librdkafka's mock?): producing without idempotence, " +
            "one request in flight and acks from all replicas; duplicates on retry are left to the inbox",
        );
      }
      const producer = this.kafka.producer({
        idempotent,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: true,
        createPartitioner: Partitioners.DefaultPartitioner,
        // Transient errors (a new leader, a topic just created) are retried; a broker that is
        // gone fails the send within seconds: callers retry (the outbox relay) or answer 503.
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
      });
      await producer.connect();
      this.admin = admin;
      this.producer = producer;
    } catch (error) {
      await admin.disconnect();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    // Queued writes were acknowledged to nobody yet; send them before letting go of the producer.
    while (this.writing || this.queue.length > 0) await sleep(5);
    const { producer, admin } = this;
    this.producer = undefined;
    this.admin = undefined;
    await producer?.disconnect();
    await admin?.disconnect();
  }

  async ping(): Promise<void> {
    const admin = this.connectedAdmin();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        admin.describeCluster(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`kafka did not answer within ${this.pingTimeoutMs} ms`)),
            this.pingTimeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Per group of this transport's subscriptions and topic: the end offsets of the topic's
   * partitions minus the group's committed offsets (from the start of the log when the group has
   * committed nothing and reads from the beginning).
   */
  async consumerLag(): Promise<ConsumerLag[]> {
    const admin = this.connectedAdmin();
    const groups = new Map<string, { topics: Set<string>; fromBeginning: boolean }>();
    for (const sub of this.subscriptions) {
      const { groupId, topics, fromBeginning } = sub.spec;
      const entry = groups.get(groupId) ?? { topics: new Set<string>(), fromBeginning };
      for (const t of topics) entry.topics.add(t);
      groups.set(groupId, entry);
    }
    const ends = new Map<string, Map<number, { high: number; low: number }>>();
    for (const topic of new Set([...groups.values()].flatMap((g) => [...g.topics]))) {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends.set(
        topic,
        new Map(offsets.map((o) => [o.partition, { high: Number(o.high), low: Number(o.low) }])),
      );
    }
    const out: ConsumerLag[] = [];
    for (const [group, { topics, fromBeginning }] of groups) {
      const committed = await admin.fetchOffsets({ groupId: group, topics: [...topics] });
      for (const { topic, partitions } of committed) {
        let lag = 0;
        for (const { partition, offset } of partitions) {
          const end = ends.get(topic)?.get(partition);
          if (!end) continue;
          const at = Number(offset);
          lag += Math.max(0, end.high - (at >= 0 ? at : fromBeginning ? end.low : end.high));
        }
        out.push({ group, topic, lag });
      }
    }
    return out;
  }

  async listTopics(): Promise<TopicInfo[]> {
    const { topics } = await this.connectedAdmin().fetchTopicMetadata();
    return topics
      .filter((t) => !t.name.startsWith("__"))
      .map((t) => ({ topic: t.name, partitions: t.partitions.length }))
      .sort((a, b) => a.topic.localeCompare(b.topic));
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = [...new Set(topics)].filter((t) => !this.topics.has(t));
    if (missing.length === 0) return;
    // One creation at a time, so concurrent callers do not race to create the same topic.
    const run = this.topicLock.then(() => this.createTopics(missing));
    this.topicLock = run.catch(() => undefined);
    await run;
  }

  private async createTopics(topics: readonly string[]): Promise<void> {
    const missing = topics.filter((t) => !this.topics.has(t));
    if (missing.length === 0) return;
    let created = false;
    if (this.traits.controller) {
      try {
        await this.connectedAdmin().createTopics({
          topics: missing.map((topic) => ({
            topic,
            numPartitions: this.defaultPartitions,
            replicationFactor: this.replicationFactor,
          })),
          waitForLeaders: true,
        });
        created = true;
      } catch (error) {
        this.log.warn({ err: error, topics: missing }, "CreateTopics refused; relying on auto-creation");
      }
    }
    if (!created) await this.autoCreate(missing);
    await this.learnPartitions(missing, created);
  }

  /**
   * Without CreateTopics (librdkafka's mock has no controller to send it to), a metadata request
   * that allows auto-creation creates the topics with the broker's default partition count. An
   * empty send makes the producer ask for exactly that, and produces nothing.
   */
  private async autoCreate(topics: readonly string[]): Promise<void> {
    try {
      await this.connectedProducer().sendBatch({
        topicMessages: topics.map((topic) => ({ topic, messages: [] })),
      });
    } catch (error) {
      // A just-created topic may have no leader yet; learnPartitions waits for it.
      this.log.debug({ err: error, topics }, "auto-creating metadata request failed");
    }
  }

  private async learnPartitions(topics: readonly string[], created: boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      let known: { name: string; partitions: unknown[] }[] = [];
      try {
        known = (await this.connectedAdmin().fetchTopicMetadata({ topics: [...topics] })).topics;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      for (const { name, partitions } of known) {
        if (partitions.length === 0) continue;
        this.topics.set(name, partitions.length);
        if (!created && partitions.length !== this.defaultPartitions) {
          this.log.info(
            { topic: name, partitions: partitions.length },
            "topic auto-created with the broker's partition count",
          );
        }
      }
      const absent = topics.filter((t) => !this.topics.has(t));
      if (absent.length === 0) return;
      if (Date.now() > deadline) throw new Error(`kafka topics could not be created: ${absent.join(", ")}`);
      await sleep(100);
    }
  }

  publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    if (!this.producer) return Promise.reject(new Error("transport not started"));
    // While the broker is unreachable, one send at a time probes it; the others fail at once
    // instead of queueing behind it (their callers retry or answer 503).
    if (this.failingSince !== undefined && this.writing) {
      return Promise.reject(
        new KafkaUnavailableError(`kafka unreachable for ${Date.now() - this.failingSince} ms; not sent`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ messages, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  /** The single writer: takes what is queued, sends it as one request, repeats. */
  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        try {
          await this.send(batch.flatMap((w) => w.messages));
          if (this.failingSince !== undefined) {
            this.log.info({ unreachableMs: Date.now() - this.failingSince }, "kafka reachable again");
          }
          this.failingSince = undefined;
          for (const w of batch) w.resolve();
        } catch (error) {
          if (isConnectionError(error)) this.failingSince ??= Date.now();
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private takeBatch(): PendingWrite[] {
    let count = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || count + (this.queue[n]?.messages.length ?? 0) <= MAX_BATCH)) {
      count += this.queue[n]?.messages.length ?? 0;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async send(messages: readonly OutgoingMessage[]): Promise<void> {
    const producer = this.connectedProducer();
    await this.ensureTopics(messages.map((m) => m.topic));
    const byTopic = new Map<string, Message[]>();
    for (const message of messages) {
      let records = byTopic.get(message.topic);
      if (!records) byTopic.set(message.topic, (records = []));
      records.push(toRecord(message));
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, records]) => ({ topic, messages: records })),
    });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (!this.producer) throw new Error("transport not started");
    await this.ensureTopics(options.topics);
    const subscription: KafkaSubscription = new KafkaSubscription(
      this.kafka,
      options,
      this.timings,
      this.log.child({ groupId: options.groupId }),
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    await subscription.start();
    return subscription;
  }

  read(topic: string, options?: ReadOptions): Promise<Delivery[]> {
    return readTopic(
      {
        kafka: this.kafka,
        admin: this.connectedAdmin(),
        clientId: this.clientId,
        log: this.log,
        timings: this.timings,
        timestampIndex: this.traits.timestampIndex,
        timeoutMs: this.readTimeoutMs,
      },
      topic,
      options,
    );
  }

  private async learnTraits(admin: Admin): Promise<ClusterTraits> {
    const { brokers, controller, clusterId } = await admin.describeCluster();
    // librdkafka's mock names broker 0 as controller while its brokers are 1..N.
    const controllerKnown =
      controller === null || controller < 0 || brokers.some((b) => b.nodeId === controller);
    const mock = clusterId.startsWith("mockCluster");
    this.log.debug({ brokers: brokers.length, controller, clusterId }, "connected to kafka");
    return { controller: controllerKnown, timestampIndex: !mock };
  }

  private connectedAdmin(): Admin {
    if (!this.admin) throw new Error("transport not started");
    return this.admin;
  }

  private connectedProducer(): Producer {
    if (!this.producer) throw new Error("transport not started");
    return this.producer;
  }
}
