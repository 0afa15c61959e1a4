import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { z } from "zod";
import type { Profile } from "../../../src/contracts/accounts/index.ts";
import { userChanged } from "../../../src/contracts/accounts/index.ts";
import { invoiceFailed, invoiceGenerated, invoiceRequested } from "../../../src/contracts/invoicing/index.ts";
import { scoreCalculated } from "../../../src/contracts/scoring/index.ts";
import { ident, openPostgres } from "../../../src/db/database.ts";
import type { Contract } from "../../../src/messaging/contracts.ts";
import type { Envelope } from "../../../src/messaging/envelope.ts";
import { createEnvelope } from "../../../src/messaging/envelope.ts";
import type { Requester } from "../../../src/messaging/request-reply.ts";
import type { Subscription } from "../../../src/messaging/transport.ts";
import { newId } from "../../../src/platform/ids.ts";
import { Platform } from "../../../src/runtime/platform.ts";
import type { InvoicingServiceOptions } from "../../../src/services/invoicing/service.ts";
import { createInvoicingService } from "../../../src/services/invoicing/service.ts";
import { createScoringService } from "../../../src/services/scoring/service.ts";
import { testConfig, unique, waitFor } from "../../support/index.ts";

/**
 * invoicing and scoring in one platform on a real transport (embedded log or Kafka) and a real
 * database (PGlite on disk, or PostgreSQL), so `restart` is a real process restart. Every event
 * the two services emit is collected by a group of the harness's own.
 */
export interface FlowHarness {
  readonly platform: Platform;
  readonly requester: Requester;
  /** How long to wait for an asynchronous outcome on this transport. */
  readonly waitMs: number;
  /** Publishes user.changed for a new ACTIVE user (as accounts would) and waits until both services hold it. */
  newUser(profile?: Partial<Profile>): Promise<string>;
  /** Publishes an envelope on a topic, as another service's outbox relay would. */
  publish(topic: string, envelope: Envelope): Promise<void>;
  /** Collected events of one contract whose payload matches. */
  events<S extends z.ZodType>(
    contract: Contract<S>,
    match?: (payload: z.infer<S>) => boolean,
  ): Envelope<z.infer<S>>[];
  /** Waits for the first collected event of `contract` that matches. */
  event<S extends z.ZodType>(
    contract: Contract<S>,
    match: (payload: z.infer<S>) => boolean,
    what?: string,
  ): Promise<Envelope<z.infer<S>>>;
  /** Stops the platform and starts a new one on the same database and log. */
  restart(invoicing?: InvoicingServiceOptions): Promise<void>;
  close(): Promise<void>;
}

const collected = [invoiceRequested, invoiceGenerated, invoiceFailed, scoreCalculated];

export async function startFlowHarness(
  options: { kafkaBrokers?: string; postgresUrl?: string; invoicing?: InvoicingServiceOptions } = {},
): Promise<FlowHarness> {
  const dir = mkdtempSync(join(tmpdir(), "ledgerline-invoicing-"));
  const config = testConfig({
    DATA_DIR: dir,
    REQUEST_TIMEOUT_MS: options.kafkaBrokers ? "30000" : "10000",
    ...(options.kafkaBrokers
      ? { KAFKA_BROKERS: options.kafkaBrokers, KAFKA_CLIENT_ID: unique("invoicing-test") }
      : {}),
    ...(options.postgresUrl ? { DATABASE_URL: options.postgresUrl } : {}),
  });
  // On a shared PostgreSQL every schema (the services' and the embedded log's) gets its own prefix.
  const schemaPrefix = options.postgresUrl ? `${unique("inv")}_` : "";
  const seen = new Map<string, Envelope>();
  let platform: Platform;
  let collector: Subscription;

  async function boot(invoicing: InvoicingServiceOptions = {}): Promise<void> {
    // Test-sized sweeps: the start sweep is what resumes; the periodic one stays out of the way.
    platform = new Platform({
      config,
      services: [createInvoicingService({ sweepEveryMs: 0, ...invoicing }), createScoringService()],
      requester: true,
      schemaPrefix,
    });
    await platform.start();
    collector = await platform.transport.subscribe({
      groupId: unique("collector"),
      topics: collected.map((c) => c.topic),
      handler: async (delivery) => {
        seen.set(delivery.envelope.id, delivery.envelope);
      },
    });
    await collector.ready;
  }
  await boot(options.invoicing);

  const waitMs = options.kafkaBrokers ? 45_000 : 10_000;
  const events = <S extends z.ZodType>(
    contract: Contract<S>,
    match: (payload: z.infer<S>) => boolean = () => true,
  ) =>
    [...seen.values()].filter((e) => e.type === contract.type && match(e.payload as z.infer<S>)) as Envelope<
      z.infer<S>
    >[];

  async function knows(userId: string): Promise<boolean> {
    for (const [service, table] of [
      ["invoicing", "sellers"],
      ["scoring", "users"],
    ] as const) {
      const db = await platform.databases.forService(service);
      const rows = await db.query(
        `select 1 from ${ident(platform.schemaOf(service))}.${table} where user_id = $1`,
        [userId],
      );
      if (rows.length === 0) return false;
    }
    return true;
  }

  const harness: FlowHarness = {
    get platform() {
      return platform;
    },
    get requester() {
      if (!platform.requester) throw new Error("no requester");
      return platform.requester;
    },
    waitMs,
    async newUser(profile = {}) {
      const id = profile.id ?? newId();
      const payload: z.infer<typeof userChanged.schema> = {
        id,
        email: `${unique("seller")}@example.test`,
        role: "user",
        status: "ACTIVE",
        fullName: "Ada Lovelace",
        phone: null,
        address: "12 Analytical Row, London",
        createdAt: new Date(Date.now() - 100 * 86_400_000).toISOString(),
        ...profile,
        version: 2,
        change: "activated",
      };
      await harness.publish(
        userChanged.topic,
        createEnvelope({
          type: userChanged.type,
          version: userChanged.version,
          key: id,
          payload,
          source: "test",
        }),
      );
      await waitFor("both services to hold the user", () => knows(id), waitMs);
      return id;
    },
    publish: (topic, envelope) => platform.transport.publish([{ topic, key: envelope.key, envelope }]),
    events,
    event: (contract, match, what = contract.type) => waitFor(what, () => events(contract, match)[0], waitMs),
    async restart(invoicing) {
      await collector.stop();
      await platform.stop();
      await boot(invoicing);
    },
    async close() {
      await collector.stop();
      await platform.stop();
      rmSync(dir, { recursive: true, force: true });
      if (options.postgresUrl) {
        const db = openPostgres(options.postgresUrl);
        for (const name of ["invoicing", "scoring", "log"] as const) {
          await db.query(`drop schema if exists ${ident(platform.schemaOf(name))} cascade`);
        }
        await db.close();
      }
    },
  };
  return harness;
}
