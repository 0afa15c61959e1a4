import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { openPglite } from "../../src/db/pglite.ts";
import { migrate } from "../../src/db/migrate.ts";
import { EmbeddedTransport } from "../../src/messaging/embedded/embedded-transport.ts";
import { messagingMigrations, OutboxRelay } from "../../src/messaging/outbox.ts";
import { Metrics } from "../../src/platform/metrics.ts";
import { PasswordHasher } from "../../src/platform/password-hashing.ts";
import { Sealer } from "../../src/platform/secrets.ts";
import { ServiceContext } from "../../src/runtime/service-context.ts";
import { testConfig, testLogger, unique, waitFor } from "../support/index.ts";
import { numbered, numberedMessage } from "../support/numbered.ts";

/**
 * `ctx.apply` handles an event whose effect is idempotent: every delivery is applied, with no
 * inbox row and no transaction, and the view is known to be behind while the database is away.
 */
describe("ServiceContext.apply", () => {
  let db: Database;
  let transport: EmbeddedTransport;
  let ctx: ServiceContext;
  let relay: OutboxRelay;
  const schema = unique("svc");

  beforeAll(async () => {
    db = await openPglite();
    transport = new EmbeddedTransport({ db, log: testLogger(), schema: unique("log"), partitions: 1 });
    await transport.start();
    await migrate(db, schema, messagingMigrations, "messaging");
    await db.exec(`create table "${schema}".seen (n int primary key)`);
    const log = testLogger();
    const metrics = new Metrics();
    relay = new OutboxRelay({ db, schema, service: "svc", transport, log, metrics, pollMs: 60_000 });
    ctx = new ServiceContext(
      "svc",
      schema,
      db,
      transport,
      testConfig({ CONSUMER_RETRY_BASE_MS: "10" }),
      log,
      metrics,
      relay,
      new Sealer(undefined),
      new PasswordHasher({ memoryKiB: 8192, iterations: 1 }),
    );
  });
  afterAll(async () => {
    await ctx?.stop();
    await relay?.stop();
    await transport?.stop();
    await db?.close();
  });

  it("applies every delivery, a redelivered one too, and keeps no inbox row", async () => {
    const applied: number[] = [];
    let unreachable = 1;
    let behindOnRetry: boolean | undefined;
    await ctx.apply(numbered, "view", async (envelope, executor) => {
      const { n } = envelope.payload as { n: number };
      if (n === 3 && unreachable-- > 0)
        throw Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" });
      if (n === 3) behindOnRetry = ctx.isBehind("view");
      await executor.query(`insert into "${schema}".seen (n) values ($1) on conflict do nothing`, [n]);
      applied.push(n);
    });
    const twice = numberedMessage(numbered.topic, 1);
    await transport.publish([twice, twice, numberedMessage(numbered.topic, 2)]);
    await waitFor("three deliveries applied", () => applied.length === 3, 10_000);
    expect(applied).toEqual([1, 1, 2]);
    expect(ctx.isBehind("view")).toBe(false);

    // The database "unreachable" once: behind until the retry applies it.
    await transport.publish([numberedMessage(numbered.topic, 3)]);
    await waitFor("the retried delivery applied", () => applied.includes(3), 10_000);
    expect(behindOnRetry).toBe(true);
    expect(ctx.isBehind("view")).toBe(false);

    expect(await db.query(`select n from "${schema}".seen order by n`)).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 3 },
    ]);
    expect(await db.query(`select count(*)::int as n from "${schema}".inbox`)).toEqual([{ n: 0 }]);
  });
});
