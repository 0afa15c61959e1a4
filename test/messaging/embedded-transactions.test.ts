import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { openPostgres } from "../../src/db/database.ts";
import { openPglite } from "../../src/db/pglite.ts";
import { migrate } from "../../src/db/migrate.ts";
import { EmbeddedTransport } from "../../src/messaging/embedded/embedded-transport.ts";
import { addToOutbox, messagingMigrations, OutboxRelay } from "../../src/messaging/outbox.ts";
import { Metrics } from "../../src/platform/metrics.ts";
import { PasswordHasher } from "../../src/platform/password-hashing.ts";
import { Sealer } from "../../src/platform/secrets.ts";
import { ServiceContext } from "../../src/runtime/service-context.ts";
import { postgresUrl, testConfig, testLogger, unique, waitFor } from "../support/index.ts";
import { numbered, numberedMessage, numbersOf } from "../support/numbered.ts";

/**
 * The embedded log on PGlite lets a service append to it inside the service's own transaction
 * (no outbox, no relay): what a transaction appends is on the log exactly when it commits, in
 * commit order with everything else appended.
 */
describe("embedded log: appends inside a service's transaction", () => {
  let db: Database;
  let transport: EmbeddedTransport;
  beforeAll(async () => {
    db = await openPglite();
    transport = new EmbeddedTransport({ db, log: testLogger(), schema: unique("log"), partitions: 1 });
    await transport.start();
  });
  afterAll(async () => {
    await transport?.stop();
    await db?.close();
  });

  it("puts a transaction's messages on the log when it commits, and none when it rolls back", async () => {
    const run = transport.transactionIn(db)!;
    const topic = unique("t");
    await run(async (tx, append) => {
      await tx.query("select 1");
      await append([numberedMessage(topic, 1), numberedMessage(topic, 2)]);
    });
    await expect(
      run(async (_tx, append) => {
        await append([numberedMessage(topic, 3)]);
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    await transport.publish([numberedMessage(topic, 4)]);
    const read = await transport.read(topic);
    expect(numbersOf(read)).toEqual([1, 2, 4]);
    expect(read.map((d) => d.offset)).toEqual(["0", "1", "2"]);
  });

  it("keeps offsets in order when publishes and transactions are queued together", async () => {
    const run = transport.transactionIn(db)!;
    const topic = unique("t");
    const seen: number[] = [];
    const sub = await transport.subscribe({
      groupId: unique("g"),
      topics: [topic],
      handler: async (d) => {
        seen.push(...numbersOf([d]));
      },
    });
    await sub.ready;
    await Promise.all([
      transport.publish([numberedMessage(topic, 1)]),
      run(async (tx, append) => {
        await append([numberedMessage(topic, 2)]);
        await tx.query("select pg_sleep(0.02)");
        await append([numberedMessage(topic, 3)]);
      }),
      transport.publish([numberedMessage(topic, 4)]),
      run(async (_tx, append) => append([numberedMessage(topic, 5)])),
    ]);
    await waitFor("five deliveries", () => seen.length === 5);
    await sub.stop();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    const read = await transport.read(topic);
    expect(read.map((d) => d.offset)).toEqual(["0", "1", "2", "3", "4"]);
  });

  it("offers it only for its own PGlite database", () => {
    expect(transport.transactionIn(db)).toBeTypeOf("function");
    // Another database (here: another object in front of the same one) is not the log's.
    expect(transport.transactionIn({ ...db })).toBeUndefined();
  });

  it("lets a service emit straight into the log (its outbox stays empty) and drains what an earlier run left", async () => {
    const schema = unique("svc");
    await migrate(db, schema, messagingMigrations, "messaging");
    const topic = numbered.topic;
    await db.transaction((tx) => addToOutbox(tx, schema, [numberedMessage(topic, 1)])); // an earlier run's
    const log = testLogger();
    const metrics = new Metrics();
    const relay = new OutboxRelay({ db, schema, service: "svc", transport, log, metrics, pollMs: 60_000 });
    const ctx = new ServiceContext(
      "svc",
      schema,
      db,
      transport,
      testConfig(),
      log,
      metrics,
      relay,
      new Sealer(undefined),
      new PasswordHasher({ memoryKiB: 8192, iterations: 1 }),
    );
    expect(ctx.usesOutbox).toBe(false);
    expect(await relay.drain()).toBe(1);
    await ctx.transaction(async (tx) => {
      tx.emit(numbered, "k", { n: 2 });
    });
    expect(numbersOf(await transport.read(topic))).toEqual([1, 2]);
    expect(await db.query(`select * from "${schema}".outbox`)).toEqual([]);
    await relay.stop();
  });
});

describe.skipIf(!postgresUrl)("embedded log on PostgreSQL: services keep their outbox", () => {
  it("offers no transactional append (transactions there run concurrently)", async () => {
    const db = openPostgres(postgresUrl!, { max: 2 });
    const transport = new EmbeddedTransport({ db, log: testLogger(), schema: unique("log") });
    try {
      await transport.start();
      expect(transport.transactionIn(db)).toBeUndefined();
    } finally {
      await transport.stop();
      await db.close();
    }
  });
});
