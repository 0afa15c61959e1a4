import kafkajs, { type Consumer, type EachMessagePayload, type Kafka } from "kafkajs";
import { sleep } from "../../platform/clock.ts";
import type { Logger } from "../../platform/logger.ts";
import type { Delivery, SubscribeOptions, Subscription } from "../transport.ts";
import { toDelivery } from "./codec.ts";

const { KafkaJSError } = kafkajs;

/** The longest wait before a consumer that crashed for good starts again. */
const MAX_RESTART_DELAY_MS = 30_000;

/** Group membership timings. Real brokers refuse a session timeout below 6 s by default. */
export interface GroupTimings {
  readonly sessionTimeout: number;
  readonly heartbeatInterval: number;
  readonly rebalanceTimeout: number;
  /** Partitions one member hands to its handler at the same time (order is per partition either way). */
  readonly partitionsConsumedConcurrently: number;
  /** How long the broker may hold a fetch that finds nothing. */
  readonly fetchWaitMs: number;
}

/**
 * Thrown out of eachMessage to leave a message unresolved while the subscription stops. A
 * KafkaJS error, so the runner neither logs it as a handler failure nor crashes on it: it
 * commits what was resolved before it and ends the fetch loop.
 */
class SubscriptionStopping extends KafkaJSError {
  override readonly name = "SubscriptionStopping";

  constructor() {
    super("subscription stopping: the message stays uncommitted", { retriable: true });
  }
}

/**
 * One group member: a KafkaJS consumer whose eachMessage keeps a failed message in place,
 * delivering it again after a backoff, until it is handled, the member stops, or the group
 * rebalances (then the partition's next holder gets it from the last committed offset).
 */
export class KafkaSubscription implements Subscription {
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private held: readonly string[] = [];
  private readonly consumer: Consumer;
  private readonly abort = new AbortController();
  private readonly detach: (() => void)[] = [];
  private stopping: Promise<void> | undefined;
  /** Crashes KafkaJS did not restart from since the member last joined its group. */
  private crashes = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** A restart under way, which stop() waits for before it disconnects. */
  private restarting: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly options: SubscribeOptions,
    private readonly timings: GroupTimings,
    private readonly log: Logger,
    private readonly onStopped: () => void,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: timings.sessionTimeout,
      heartbeatInterval: timings.heartbeatInterval,
      rebalanceTimeout: timings.rebalanceTimeout,
      maxWaitTimeInMs: timings.fetchWaitMs,
      // KafkaJS's default backoff (the transport's client retries faster, for producing).
      retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: 5 },
    });
    const { GROUP_JOIN, REBALANCING, CRASH, STOP } = this.consumer.events;
    this.detach.push(
      this.consumer.on(GROUP_JOIN, ({ payload }) => {
        this.crashes = 0;
        this.held = Object.entries(payload.memberAssignment)
          .flatMap(([topic, partitions]) => partitions.map((p) => `${topic}:${p}`))
          .sort();
        this.markReady();
      }),
      // Eager rebalancing: a member gives up all its partitions before it rejoins.
      this.consumer.on(REBALANCING, () => {
        this.held = [];
      }),
      this.consumer.on(STOP, () => {
        this.held = [];
      }),
      this.consumer.on(CRASH, ({ payload }) => {
        this.held = [];
        const fields = { err: payload.error, groupId: options.groupId };
        if (payload.restart) {
          this.log.warn(fields, "kafka consumer crashed; it restarts and rejoins");
          return;
        }
        if (this.abort.signal.aborted) return;
        // KafkaJS gives up on an error it does not retry (a broker answering INVALID_REQUEST, an
        // authorization refused): the member has left and disconnected. A service that stayed up
        // without it would consume nothing from this group, so it starts again, backing off.
        const delay = this.nextRestartDelay();
        this.log.error(
          { ...fields, restartInMs: delay },
          `kafka consumer crashed on an error KafkaJS does not retry; it starts again in ${delay} ms`,
        );
        this.scheduleRestart(delay);
      }),
    );
  }

  /**
   * Connects and subscribes, then starts the member without waiting for its group join (a
   * join takes seconds; a service with ten subscriptions would start ten times slower).
   * `ready` resolves once the member holds its partitions.
   */
  async start(): Promise<void> {
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({
        topics: [...this.options.topics],
        fromBeginning: this.options.fromBeginning ?? true,
      });
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.run();
  }

  private run(): void {
    this.consumer
      .run({
        partitionsConsumedConcurrently: this.timings.partitionsConsumedConcurrently,
        eachMessage: (payload) => this.handle(payload),
      })
      .catch((error: unknown) => {
        if (!this.stopping) this.log.error({ err: error }, "consumer could not start");
      });
  }

  /** 1 s after the first crash since the last join, twice as long after each further one. */
  private nextRestartDelay(): number {
    return Math.min(1_000 * 2 ** this.crashes++, MAX_RESTART_DELAY_MS);
  }

  /** Connects, subscribes and runs the crashed consumer again; a failure backs off once more. */
  private scheduleRestart(delay: number): void {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.abort.signal.aborted) return;
      this.restarting = (async () => {
        try {
          await this.consumer.connect();
          await this.consumer.subscribe({
            topics: [...this.options.topics],
            fromBeginning: this.options.fromBeginning ?? true,
          });
          if (!this.abort.signal.aborted) this.run();
        } catch (error) {
          if (this.abort.signal.aborted) return;
          const next = this.nextRestartDelay();
          this.log.error({ err: error, restartInMs: next }, "kafka consumer could not start again");
          this.scheduleRestart(next);
        } finally {
          this.restarting = undefined;
        }
      })();
    }, delay);
  }

  assignment(): string[] {
    return [...this.held];
  }

  /** The group, topics and start position, for lag metrics. */
  get spec(): { groupId: string; topics: readonly string[]; fromBeginning: boolean } {
    const { groupId, topics, fromBeginning } = this.options;
    return { groupId, topics, fromBeginning: fromBeginning ?? true };
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      clearTimeout(this.restartTimer);
      await this.restarting;
      try {
        // Waits for the message in flight, commits the resolved offsets, leaves the group.
        await this.consumer.disconnect();
      } finally {
        this.held = [];
        for (const off of this.detach) off();
        this.onStopped();
      }
    })();
    return this.stopping;
  }

  /** Resolving lets KafkaJS resolve and commit the offset; throwing leaves it uncommitted. */
  private async handle({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    let delivery: Delivery;
    try {
      delivery = toDelivery(topic, partition, message);
    } catch (error) {
      // Delivering it again cannot help, and holding it would stop the partition for good.
      this.log.error(
        { err: error, topic, partition, offset: message.offset },
        "skipping a record without an envelope",
      );
      return;
    }
    const { signal } = this.abort;
    for (let failures = 0; ; failures++) {
      try {
        await this.keepingSession(heartbeat, () => this.options.handler(delivery));
        return;
      } catch (error) {
        this.log.warn(
          { err: error, topic, partition, offset: message.offset },
          "handler failed; the message will be delivered again",
        );
      }
      await this.backoff(Math.min(200 * 2 ** failures, 5_000), heartbeat);
      if (signal.aborted) throw new SubscriptionStopping();
    }
  }

  /**
   * Runs a handler while heartbeating: KafkaJS heartbeats only between messages, so a handler
   * slower than the session timeout (a database reconnecting, a slow render) would otherwise get
   * the member evicted and its partitions moved mid-message. A heartbeat that fails (the group
   * is rebalancing) is left to the runner, which sees it again after the handler returns.
   */
  private async keepingSession<T>(heartbeat: () => Promise<void>, run: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => void heartbeat().catch(() => undefined), this.timings.heartbeatInterval);
    try {
      return await run();
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * Waits before the next delivery, heartbeating so the member keeps its session. A heartbeat
   * that finds the group rebalancing throws: the message stays uncommitted and the partition's
   * holder after the rebalance gets it again.
   */
  private async backoff(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const { signal } = this.abort;
    const until = Date.now() + ms;
    while (!signal.aborted) {
      await sleep(Math.min(until - Date.now(), this.timings.heartbeatInterval), signal);
      if (signal.aborted) return;
      await heartbeat();
      if (Date.now() >= until) return;
    }
  }
}
