import { hostname } from "node:os";
import type { Database } from "../db/database.ts";
import { ident } from "../db/database.ts";
import type { Migration } from "../db/migrate.ts";
import { migrate } from "../db/migrate.ts";
import { DatabaseProvider } from "../db/provider.ts";
import type { Config, ServiceName } from "../platform/config.ts";
import { newId } from "../platform/ids.ts";
import { Lifecycle } from "../platform/lifecycle.ts";
import type { Logger } from "../platform/logger.ts";
import { createLogger } from "../platform/logger.ts";
import { Metrics } from "../platform/metrics.ts";
import { PasswordHasher } from "../platform/password-hashing.ts";
import { Sealer } from "../platform/secrets.ts";
import { EmbeddedTransport } from "../messaging/embedded/embedded-transport.ts";
import { NamespacedTransport } from "../messaging/namespaced-transport.ts";
import { inboxRetention } from "../messaging/inbox.ts";
import { OutboxRelay, addToOutbox, messagingMigrations } from "../messaging/outbox.ts";
import { Requester } from "../messaging/request-reply.ts";
import type { OutgoingMessage, Transport } from "../messaging/transport.ts";
import { platformErrors } from "../platform/errors.ts";
import { ServiceContext } from "./service-context.ts";

/** A service: its schema's migrations and how it wires itself to the transport. */
export interface ServiceDefinition {
  readonly name: ServiceName;
  readonly migrations: readonly Migration[];
  start(ctx: ServiceContext): Promise<void>;
  stop?(): Promise<void>;
}

export interface PlatformOptions {
  readonly config: Readonly<Config>;
  readonly services: readonly ServiceDefinition[];
  /** Keep PGlite in memory (tests). */
  readonly inMemory?: boolean;
  /** Prefix for every schema name (tests sharing one PostgreSQL). */
  readonly schemaPrefix?: string;
  readonly log?: Logger;
  /** Use this transport instead of building one from the config (tests). */
  readonly transport?: Transport;
  /** Share another platform's databases (a second instance of a service in one process, for tests). */
  readonly databases?: DatabaseProvider;
  /** Whether this process sends commands (the gateway does). */
  readonly requester?: boolean;
  /**
   * Whether a requester keeps an outbox for fire-and-forget commands (default true). It is
   * used on Kafka when a database is configured for the gateway (DATABASE_URL_GATEWAY or
   * DATABASE_URL); see docs/decisions/0006.
   */
  readonly outbox?: boolean;
}

/** The outbox of a process that sends fire-and-forget commands (the gateway's). */
interface CommandOutbox {
  readonly db: Database;
  readonly schema: string;
  readonly relay: OutboxRelay;
}

/**
 * One process of the platform: some or all services, sharing one transport, one PGlite (or
 * PostgreSQL pools) and one metrics registry. `npm start` runs every service in one of these;
 * `ledgerline start --service login` runs one.
 */
export class Platform {
  readonly instanceId: string;
  readonly log: Logger;
  readonly metrics = new Metrics({ defaultMetrics: true });
  readonly lifecycle: Lifecycle;
  readonly databases: DatabaseProvider;
  readonly contexts = new Map<ServiceName, ServiceContext>();
  readonly sealer: Sealer;
  readonly hasher: PasswordHasher;
  transport!: Transport;
  requester: Requester | undefined;
  private outbox: CommandOutbox | undefined;

  constructor(private readonly options: PlatformOptions) {
    const { config } = options;
    this.instanceId =
      config.LEDGERLINE_INSTANCE_ID ?? `${hostname().replace(/[^A-Za-z0-9_-]/g, "")}-${newId().slice(-12)}`;
    this.log = options.log ?? createLogger({ level: config.LOG_LEVEL });
    this.lifecycle = new Lifecycle(this.log, config.SHUTDOWN_GRACE_MS);
    this.databases =
      options.databases ?? new DatabaseProvider(config, { inMemory: options.inMemory ?? false });
    this.sealer = new Sealer(config.LEDGERLINE_SECRET);
    this.hasher = new PasswordHasher({
      memoryKiB: config.ARGON2_MEMORY_KIB,
      iterations: config.ARGON2_ITERATIONS,
    });
    if (!config.LEDGERLINE_SECRET && config.KAFKA_BROKERS) {
      this.log.warn("LEDGERLINE_SECRET is not set: sealed fields can be opened only by this process");
    }
  }

  get config(): Readonly<Config> {
    return this.options.config;
  }

  schemaOf(service: ServiceName | "log"): string {
    return `${this.options.schemaPrefix ?? ""}${service === "log" ? "ledgerline_log" : service}`;
  }

  async start(): Promise<void> {
    const { config } = this.options;
    this.lifecycle.add({ name: "databases", stop: () => this.databases.close() });
    this.transport = this.options.transport ?? (await this.createTransport());
    this.lifecycle.add({
      name: `transport:${this.transport.kind}`,
      start: () => this.transport.start(),
      stop: () => this.transport.stop(),
    });
    if (this.options.requester) {
      const requester = new Requester({
        transport: this.transport,
        instanceId: this.instanceId,
        log: this.log.child({ part: "requester" }),
        metrics: this.metrics,
        defaultTimeoutMs: config.REQUEST_TIMEOUT_MS,
      });
      this.requester = requester;
      this.lifecycle.add({ name: "requester", start: () => requester.start(), stop: () => requester.stop() });
      const url = config.databaseUrlFor("gateway");
      if ((this.options.outbox ?? true) && this.transport.kind === "kafka" && url) {
        this.lifecycle.add(await this.outboxPart());
      }
    }
    for (const service of this.options.services) this.lifecycle.add(await this.servicePart(service));
    this.metrics.setSources({
      ...(this.transport.consumerLag
        ? { consumerLag: () => this.transport.consumerLag?.() ?? Promise.resolve([]) }
        : {}),
      outboxBacklog: () => this.outboxBacklog(),
      partitionsHeld: async () => [...this.contexts.values()].flatMap((ctx) => ctx.held()),
    });
    await this.lifecycle.start();
  }

  /**
   * Sends fire-and-forget commands so that an acknowledgement means they will be delivered: into
   * this process's outbox when it has one (the gateway on Kafka with a database), which the relay
   * publishes whenever the log is reachable; otherwise (or if that database fails) straight to
   * the log. Throws UNAVAILABLE (503, Retry-After) when neither takes them.
   */
  async dispatch(messages: readonly OutgoingMessage[]): Promise<void> {
    const outbox = this.outbox;
    if (outbox) {
      try {
        await addToOutbox(outbox.db, outbox.schema, messages);
        outbox.relay.kick();
        return;
      } catch (error) {
        this.log.warn({ err: error }, "command outbox unavailable; publishing straight to the log");
      }
    }
    try {
      await this.transport.publish(messages);
    } catch (error) {
      throw platformErrors.UNAVAILABLE({ headers: { "Retry-After": "1" }, cause: error });
    }
  }

  /** Outbox rows waiting per service (and the gateway's command outbox), for the backlog gauge. */
  private async outboxBacklog(): Promise<{ service: string; rows: number }[]> {
    const outboxes = [...this.contexts].map(([service, ctx]) => ({
      service,
      db: ctx.db,
      schema: ctx.schema,
    }));
    if (this.outbox) outboxes.push({ service: "gateway", db: this.outbox.db, schema: this.outbox.schema });
    return Promise.all(
      outboxes.map(async ({ service, db, schema }) => {
        const [row] = await db.query<{ n: number }>(`select count(*)::int as n from ${ident(schema)}.outbox`);
        return { service, rows: row?.n ?? 0 };
      }),
    );
  }

  private async outboxPart(): Promise<{ name: string; start(): Promise<void>; stop(): Promise<void> }> {
    const db = await this.databases.forService("gateway");
    const schema = this.schemaOf("gateway");
    const relay = new OutboxRelay({
      db,
      schema,
      service: "gateway",
      transport: this.transport,
      log: this.log.child({ part: "command-outbox" }),
      metrics: this.metrics,
      pollMs: this.config.OUTBOX_POLL_MS,
      ...this.holder(),
    });
    return {
      name: "command-outbox",
      start: async () => {
        await migrate(db, schema, messagingMigrations, "messaging");
        relay.start();
        this.outbox = { db, schema, relay };
      },
      stop: async () => {
        this.outbox = undefined;
        await relay.stop();
      },
    };
  }

  /** A stable outbox lease holder when the instance id is configured (a restart takes its lease back). */
  private holder(): { holder?: string } {
    const id = this.config.LEDGERLINE_INSTANCE_ID;
    return id ? { holder: id } : {};
  }

  stop(): Promise<void> {
    return this.lifecycle.stop();
  }

  /** Databases every service of this process uses, for readiness. */
  async databasesInUse(): Promise<Database[]> {
    const names: (ServiceName | "log")[] = this.options.services.map((s) => s.name);
    if (this.transport?.kind === "embedded") names.push("log");
    const databases = await Promise.all(names.map((n) => this.databases.forService(n)));
    if (this.outbox) databases.push(this.outbox.db);
    return databases;
  }

  private async createTransport(): Promise<Transport> {
    const { config } = this.options;
    if (config.KAFKA_BROKERS) {
      // Loaded only when used: the embedded default never pays for kafkajs.
      const { KafkaTransport } = await import("../messaging/kafka/kafka-transport.ts");
      const kafka = new KafkaTransport({
        brokers: config.KAFKA_BROKERS.split(","),
        clientId: config.KAFKA_CLIENT_ID,
        log: this.log.child({ part: "kafka" }),
        defaultPartitions: config.LOG_PARTITIONS,
        fetchWaitMs: config.KAFKA_FETCH_WAIT_MS,
        partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONCURRENTLY,
      });
      return config.KAFKA_NAMESPACE ? new NamespacedTransport(kafka, config.KAFKA_NAMESPACE) : kafka;
    }
    return new EmbeddedTransport({
      db: await this.databases.forService("log"),
      log: this.log.child({ part: "log" }),
      schema: this.schemaOf("log"),
      partitions: config.LOG_PARTITIONS,
      retentionHours: config.LOG_RETENTION_HOURS,
    });
  }

  private async servicePart(
    service: ServiceDefinition,
  ): Promise<{ name: string; start(): Promise<void>; stop(): Promise<void> }> {
    const { config } = this.options;
    const db = await this.databases.forService(service.name);
    const schema = this.schemaOf(service.name);
    const log = this.log.child({ service: service.name });
    const relay = new OutboxRelay({
      db,
      schema,
      service: service.name,
      transport: this.transport,
      log,
      metrics: this.metrics,
      pollMs: config.OUTBOX_POLL_MS,
      ...this.holder(),
    });
    const ctx = new ServiceContext(
      service.name,
      schema,
      db,
      this.transport,
      config,
      log,
      this.metrics,
      relay,
      this.sealer,
      this.hasher,
    );
    this.contexts.set(service.name, ctx);
    const retention = inboxRetention({ db, schema, hours: config.INBOX_RETENTION_HOURS, log });
    return {
      name: service.name,
      start: async () => {
        await migrate(db, schema, messagingMigrations, "messaging");
        await migrate(db, schema, service.migrations);
        // Sharing its database with the embedded log, a service appends to the log in its own
        // transactions: its relay only publishes what an earlier run left in the outbox.
        if (ctx.usesOutbox) relay.start();
        else await relay.drain();
        await service.start(ctx);
        retention.start();
      },
      stop: async () => {
        await retention.stop();
        await ctx.stop();
        await service.stop?.();
        await relay.stop();
      },
    };
  }
}
