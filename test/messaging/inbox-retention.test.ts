import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { ident, openPostgres } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { openPglite } from "../../src/db/pglite.ts";
import { handleOnce, inboxHolds, inboxRetention, pruneInbox } from "../../src/messaging/inbox.ts";
import { messagingMigrations } from "../../src/messaging/outbox.ts";
import { announceSkip, postgresUrl, testLogger, unique } from "../support/index.ts";

function describeRetention(name: string, open: () => Promise<Database>): void {
  describe(`inbox retention: ${name}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await open();
    });
    afterAll(async () => {
      await db?.close();
    });

    /** A service schema whose inbox holds rows handled `ages` hours ago. */
    async function inboxWith(ages: readonly number[]): Promise<string> {
      const schema = unique("inbox");
      await migrate(db, schema, messagingMigrations, "messaging");
      for (const hours of ages) {
        await db.query(
          `insert into ${ident(schema)}.inbox (consumer, message_id, processed_at)
         values ('c', gen_random_uuid(), now() - make_interval(hours => $1))`,
          [hours],
        );
      }
      return schema;
    }

    const ages = async (schema: string): Promise<number[]> =>
      (
        await db.query<{ h: number }>(
          `select round(extract(epoch from now() - processed_at) / 3600)::int as h
           from ${ident(schema)}.inbox order by processed_at`,
        )
      ).map((r) => r.h);

    it("deletes the rows older than the retention, a batch at a time, and keeps the rest", async () => {
      const schema = await inboxWith([500, 300, 200, 169, 167, 10, 0]);
      expect(await pruneInbox(db, schema, 168, 2)).toBe(4);
      expect(await ages(schema)).toEqual([167, 10, 0]);
      expect(await pruneInbox(db, schema, 168, 2)).toBe(0);
    });

    it("still skips a redelivered message whose row is within the retention", async () => {
      const schema = unique("inbox");
      await migrate(db, schema, messagingMigrations, "messaging");
      const id = crypto.randomUUID();
      let effects = 0;
      const handle = () => handleOnce(db, schema, "c", id, async () => void effects++);
      expect(await handle()).toBe(true);
      await pruneInbox(db, schema, 1);
      expect(await handle()).toBe(false);
      expect(effects).toBe(1);
    });

    it("answers, as a clause of another read, whether a consumer's message is in the inbox", async () => {
      const schema = unique("inbox");
      await migrate(db, schema, messagingMigrations, "messaging");
      const id = crypto.randomUUID();
      const holds = async (consumer: string, messageId: string) =>
        (
          await db.query<{ held: boolean }>(`select $1::text as other, ${inboxHolds(schema, 2, 3)} as held`, [
            "another column",
            consumer,
            messageId,
          ])
        )[0]?.held;
      expect(await holds("c", id)).toBe(false);
      await handleOnce(db, schema, "c", id, async () => {});
      expect(await holds("c", id)).toBe(true);
      expect(await holds("d", id)).toBe(false);
      expect(await holds("c", crypto.randomUUID())).toBe(false);
    });

    it("prunes when it starts and again on its schedule", async () => {
      const schema = await inboxWith([400, 1]);
      const retention = inboxRetention({ db, schema, hours: 168, log: testLogger(), everyMs: 50 });
      retention.start();
      try {
        await expect.poll(() => ages(schema)).toEqual([1]);
        await db.query(
          `insert into ${ident(schema)}.inbox (consumer, message_id, processed_at)
         values ('c', gen_random_uuid(), now() - interval '200 hours')`,
        );
        await expect.poll(() => ages(schema)).toEqual([1]);
      } finally {
        await retention.stop();
      }
    });
  });
}

describeRetention("PGlite", () => openPglite());
const url = postgresUrl;
if (url) describeRetention("PostgreSQL", async () => openPostgres(url));
else {
  announceSkip(
    "PostgreSQL suites",
    "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres to run them",
  );
  describe.skip("inbox retention: PostgreSQL (DATABASE_URL not set)", () => it("skipped", () => {}));
}
