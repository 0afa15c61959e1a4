import { hostname } from "node:os";
import type { Database } from "../db/database.ts";
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
import { OutboxRelay, messagingMigrations } from "../messaging/outbox.ts";
import { Requester } from "../messaging/request-reply.ts";
import type { Transport } from "../messaging/transport.ts";
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
    }
    for (const service of this.options.services) this.lifecycle.add(await this.servicePart(service));
    await this.lifecycle.start();
  }

  stop(): Promise<void> {
    return this.lifecycle.stop();
  }

  /** Databases every service of this process uses, for readiness. */
  async databasesInUse(): Promise<Database[]> {
    const names: (ServiceName | "log")[] = this.options.services.map((s) => s.name);
    if (this.transport?.kind === "embedded") names.push("log");
    return Promise.all(names.map((n) => this.databases.forService(n)));
  }

  private async createTransport(): Promise<Transport> {
    const { config } = this.options;
    if (config.KAFKA_BROKERS) {
      // Loaded only when used: the embedded default never pays for kafkajs.
      const { KafkaTransport } = await import("../messaging/kafka/kafka-transport.ts");
      return new KafkaTransport({
        brokers: config.KAFKA_BROKERS.split(","),
        clientId: config.KAFKA_CLIENT_ID,
        log: this.log.child({ part: "kafka" }),
        defaultPartitions: config.LOG_PARTITIONS,
      });
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
    return {
      name: service.name,
      start: async () => {
        await migrate(db, schema, messagingMigrations, "messaging");
        await migrate(db, schema, service.migrations);
        relay.start();
        await service.start(ctx);
      },
      stop: async () => {
        await ctx.stop();
        await service.stop?.();
        await relay.stop();
      },
    };
  }
}
