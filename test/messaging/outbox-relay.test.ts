import { describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { openPostgres } from "../../src/db/database.ts";
import { openPglite } from "../../src/db/pglite.ts";
import { migrate } from "../../src/db/migrate.ts";
import { addToOutbox, messagingMigrations, OutboxRelay } from "../../src/messaging/outbox.ts";
import type { OutgoingMessage, Transport } from "../../src/messaging/transport.ts";
import { Metrics } from "../../src/platform/metrics.ts";
import { postgresUrl, testLogger, unique, waitFor } from "../support/index.ts";
import { numberedMessage, numbersOf } from "../support/numbered.ts";

/**
 * A relay publishing to a stand-in log (this tests the relay): `publish` gets the `n` of each
 * message of a batch.
 */
function relayTo(
  db: Database,
  schema: string,
  timing: { pollMs: number; batchSize?: number },
  publish: (ns: number[]) => Promise<void>,
): OutboxRelay {
  const transport = {
    publish: (messages: readonly OutgoingMessage[]) => publish(numbersOf(messages)),
  } as unknown as Transport;
  return new OutboxRelay({
    db,
    schema,
    service: "test",
    transport,
    log: testLogger(),
    metrics: new Metrics(),
    ...timing,
  });
}

/**
 * On PostgreSQL transactions commit concurrently, so a transaction can take a lower outbox seq
 * and commit after the relay has read the rows above it. Such a row must be published by the
 * next batch, never deleted with the batch it was not in. (PGlite has one connection: no such
 * interleaving, so this runs on PostgreSQL only.)
 */
describe.skipIf(!postgresUrl)("outbox relay on PostgreSQL", () => {
  it("deletes only what it published: a lower seq committed after the read is published next", async () => {
    const db = openPostgres(postgresUrl!, { max: 4 });
    const schema = unique("relay");
    try {
      await migrate(db, schema, messagingMigrations, "messaging");
      const topic = unique("t");
      // A transaction takes seq 1 and stays open; a second one takes seq 2 and commits.
      let commitLate!: () => void;
      const late = db.transaction(async (tx) => {
        await addToOutbox(tx, schema, [numberedMessage(topic, 1)]);
        await new Promise<void>((resolve) => (commitLate = resolve));
      });
      await new Promise((r) => setTimeout(r, 50));
      await db.transaction((tx) => addToOutbox(tx, schema, [numberedMessage(topic, 2)]));

      const published: number[] = [];
      // The log (a stand-in: this tests the relay): the late transaction commits while the
      // relay publishes, i.e. between its read and its delete.
      const relay = relayTo(db, schema, { pollMs: 10_000 }, async (ns) => {
        published.push(...ns);
        commitLate();
        await late;
      });
      expect(await relay.relayOnce()).toBe(1);
      expect(published).toEqual([2]);
      expect(await relay.relayOnce()).toBe(1);
      expect(published).toEqual([2, 1]);
      const left = await db.query<{ n: number }>(`select count(*)::int as n from "${schema}".outbox`);
      expect(left[0]?.n).toBe(0);
    } finally {
      await db.query(`drop schema if exists "${schema}" cascade`);
      await db.close();
    }
  });
});

describe("outbox relay: when it looks", () => {
  it("publishes a kicked commit at once and does not select again after a short batch", async () => {
    const inner = await openPglite();
    let selects = 0;
    const db: Database = {
      ...inner,
      query: (text, params) => {
        if (/^select seq/.test(text)) selects++;
        return inner.query(text, params);
      },
    };
    const schema = unique("relay");
    const published: number[] = [];
    const relay = relayTo(db, schema, { pollMs: 60_000, batchSize: 2 }, async (ns) => {
      published.push(...ns);
    });
    try {
      await migrate(inner, schema, messagingMigrations, "messaging");
      relay.start();
      await waitFor("the first, empty look", () => selects === 1, 5_000);

      const topic = unique("t");
      await inner.transaction((tx) => addToOutbox(tx, schema, [numberedMessage(topic, 1)]));
      relay.kick();
      await waitFor("the kicked row", () => published.length === 1, 5_000);
      // One select found the row; a batch shorter than the limit is not followed by another.
      await new Promise((r) => setTimeout(r, 200));
      expect(selects).toBe(2);

      // A full batch may have left rows behind: the relay looks again at once.
      await inner.transaction((tx) =>
        addToOutbox(
          tx,
          schema,
          [2, 3, 4].map((n) => numberedMessage(topic, n)),
        ),
      );
      relay.kick();
      await waitFor("a full batch and the rest", () => published.length === 4, 5_000);
      expect(published).toEqual([1, 2, 3, 4]);
      await new Promise((r) => setTimeout(r, 200));
      expect(selects).toBe(4);
    } finally {
      await relay.stop();
      await inner.close();
    }
  });
});
