import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The metrics of one platform instance (a registry each, so tests can run several in one
 * process). Served at /metrics in Prometheus text format.
 */
/** Values read when /metrics is scraped. */
export interface MetricSources {
  /** Consumer lag per group and topic. */
  consumerLag?: () => Promise<readonly { group: string; topic: string; lag: number }[]>;
  /** Partitions this process holds now, per consumer group of its services. */
  partitionsHeld?: () => Promise<readonly { group: string; partitions: number }[]>;
  /** Outbox rows waiting, per service. */
  outboxBacklog?: () => Promise<readonly { service: string; rows: number }[]>;
}

/** How long a scrape waits for a source before reporting what it knew last. */
const SOURCE_TIMEOUT_MS = 2_000;

export class Metrics {
  readonly registry = new Registry();
  private sources: MetricSources = {};

  readonly handled = new Counter({
    name: "ledgerline_messages_handled_total",
    help: "Messages handled by consumers, by outcome (ok, duplicate, retried, dead_lettered, expired)",
    labelNames: ["consumer", "type", "outcome"] as const,
    registers: [this.registry],
  });
  readonly handlerSeconds = new Histogram({
    name: "ledgerline_handler_duration_seconds",
    help: "Time a consumer spent handling one message",
    labelNames: ["consumer", "type"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: "ledgerline_dead_letters_total",
    help: "Messages sent to a dead-letter topic",
    labelNames: ["topic", "code"] as const,
    registers: [this.registry],
  });
  readonly relayed = new Counter({
    name: "ledgerline_outbox_relayed_total",
    help: "Outbox rows published to the log",
    labelNames: ["service"] as const,
    registers: [this.registry],
  });
  readonly outboxBacklog: Gauge<"service"> = new Gauge({
    name: "ledgerline_outbox_backlog",
    help: "Outbox rows waiting to be published (counted at scrape time)",
    labelNames: ["service"] as const,
    registers: [this.registry],
    collect: () =>
      this.read(this.sources.outboxBacklog, (rows) => {
        for (const { service, rows: n } of rows) this.outboxBacklog.set({ service }, n);
      }),
  });
  readonly consumerLag: Gauge<"group" | "topic"> = new Gauge({
    name: "ledgerline_consumer_lag",
    help: "Messages on a topic that a consumer group has not committed yet (Kafka; read at scrape time)",
    labelNames: ["group", "topic"] as const,
    registers: [this.registry],
    collect: () =>
      this.read(this.sources.consumerLag, (rows) => {
        this.consumerLag.reset();
        for (const { group, topic, lag } of rows) this.consumerLag.set({ group, topic }, lag);
      }),
  });
  readonly partitionsHeld: Gauge<"group"> = new Gauge({
    name: "ledgerline_partitions_held",
    help: "Partitions this process's member of a consumer group holds now (read at scrape time)",
    labelNames: ["group"] as const,
    registers: [this.registry],
    collect: () =>
      this.read(this.sources.partitionsHeld, (rows) => {
        this.partitionsHeld.reset();
        for (const { group, partitions } of rows) this.partitionsHeld.set({ group }, partitions);
      }),
  });
  readonly requestSeconds = new Histogram({
    name: "ledgerline_request_reply_seconds",
    help: "Request-reply round trips over the log",
    labelNames: ["type", "outcome"] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly requestTimeouts = new Counter({
    name: "ledgerline_request_timeouts_total",
    help: "Requests whose reply did not come before the deadline",
    labelNames: ["type"] as const,
    registers: [this.registry],
  });
  readonly lateReplies = new Counter({
    name: "ledgerline_late_replies_total",
    help: "Replies that arrived after their request timed out, dropped",
    labelNames: ["type"] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: "ledgerline_" });
  }

  /** Where scrape-time gauges read their values (the platform sets them once it runs). */
  setSources(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** Reads a source with a time limit; on failure or timeout the gauge keeps its last values. */
  private async read<T>(source: (() => Promise<T>) | undefined, apply: (value: T) => void): Promise<void> {
    if (!source) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      const value = await Promise.race([
        source(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("timed out")), SOURCE_TIMEOUT_MS);
        }),
      ]);
      apply(value);
    } catch {
      // Scrapes must not fail because the log or a database is slow: the last values stand.
    } finally {
      clearTimeout(timer);
    }
  }

  /** Registers a service's own metric on this registry. */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Counter<L>;
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}
