import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Executor } from "../../src/db/database.ts";
import { isDatabaseUnavailable, openPostgres, reconnectDelaySeconds } from "../../src/db/database.ts";
import { openPglite } from "../../src/db/pglite.ts";
import type { Migration } from "../../src/db/migrate.ts";
import { SchemaNewerError, migrate } from "../../src/db/migrate.ts";
import { CuttableProxy } from "../support/cuttable-proxy.ts";
import { announceSkip, postgresUrl, unique, waitFor } from "../support/index.ts";

const migrations: Migration[] = [
  {
    version: 1,
    name: "things",
    up: (s) => `create table ${s}.things (id serial primary key, name text not null unique);`,
  },
  {
    version: 2,
    name: "things-note",
    up: (s) => `alter table ${s}.things add column note text;\ncreate index on ${s}.things (note);`,
  },
];

function describeDatabase(name: string, open: () => Promise<Database>): void {
  describe(`database: ${name}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await open();
    });
    afterAll(async () => {
      await db?.close();
    });

    it("applies each migration once, in order, and reports what it applied", async () => {
      const schema = unique("mig");
      expect(await migrate(db, schema, migrations.slice(0, 1))).toEqual([1]);
      expect(await migrate(db, schema, migrations)).toEqual([2]);
      expect(await migrate(db, schema, migrations)).toEqual([]);
      await db.query(`insert into ${schema}.things (name, note) values ($1, $2)`, ["a", "n"]);
      const rows = await db.query<{ name: string; note: string }>(`select name, note from ${schema}.things`);
      expect(rows).toEqual([{ name: "a", note: "n" }]);
    });

    it("refuses a schema migrated by a newer version, naming its migrations, and applies nothing", async () => {
      const schema = unique("mig");
      await migrate(db, schema, migrations);
      const later: Migration = {
        version: 3,
        name: "things-later",
        up: (s) => `create table ${s}.later (x int);`,
      };
      const older = [migrations[0]!, later];
      const refused = await migrate(db, schema, older).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SchemaNewerError);
      expect(refused).toMatchObject({ code: "SCHEMA_NEWER", unknown: [{ version: 2, name: "things-note" }] });
      expect((refused as Error).message).toBe(
        `Schema ${schema} holds service migration 2 (things-note) that this version of Ledgerline ` +
          "does not have: a newer version migrated it. Run that version or a later one, or restore the " +
          "database from a backup taken before the upgrade (migrations go forward only).",
      );
      const tables = await db.query<{ n: number }>(
        "select count(*)::int as n from pg_tables where schemaname = $1 and tablename = 'later'",
        [schema],
      );
      expect(tables[0]?.n).toBe(0);
      // The version that did migrate it still starts.
      expect(await migrate(db, schema, migrations)).toEqual([]);
    });

    it("keeps components of one schema apart", async () => {
      const schema = unique("mig");
      expect(await migrate(db, schema, migrations, "a")).toEqual([1, 2]);
      const other: Migration[] = [
        { version: 1, name: "other", up: (s) => `create table ${s}.other (x int);` },
      ];
      expect(await migrate(db, schema, other, "b")).toEqual([1]);
    });

    it("applies migrations once when several instances start at the same time", async () => {
      const schema = unique("mig");
      const results = await Promise.all([1, 2, 3].map(() => migrate(db, schema, migrations)));
      expect(results.flat().sort()).toEqual([1, 2]);
    });

    it("rolls a transaction back when it throws, and commits when it resolves", async () => {
      const schema = unique("tx");
      await migrate(db, schema, migrations);
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`insert into ${schema}.things (name) values ('rolled-back')`);
          throw new Error("abort");
        }),
      ).rejects.toThrow("abort");
      await db.transaction(async (tx) => {
        await tx.query(`insert into ${schema}.things (name) values ('kept')`);
      });
      const rows = await db.query<{ name: string }>(`select name from ${schema}.things`);
      expect(rows.map((r) => r.name)).toEqual(["kept"]);
    });

    it("rejects a failed statement with its SQLSTATE code", async () => {
      const schema = unique("err");
      await migrate(db, schema, migrations);
      await db.query(`insert into ${schema}.things (name) values ('twice')`);
      const error = await db.query(`insert into ${schema}.things (name) values ('twice')`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ code: "23505" });
      expect(isDatabaseUnavailable(error)).toBe(false);
    });

    it("takes null, bytea, text[] and Date parameters and returns them as they went in", async () => {
      const bytes = Buffer.from([0, 1, 2, 250, 255]);
      const at = new Date("2026-12-02T10:00:00.123Z");
      const [row] = await db.query<{ nothing: string | null; b: Uint8Array; a: string[]; t: Date }>(
        "select $1::text as nothing, $2::bytea as b, $3::text[] as a, $4::timestamptz as t",
        [null, bytes, ["x", "y, z"], at],
      );
      expect(row?.nothing).toBeNull();
      expect(Buffer.from(row!.b)).toEqual(bytes);
      expect(row?.a).toEqual(["x", "y, z"]);
      expect(row?.t.getTime()).toBe(at.getTime());
    });

    it("commits nothing of a transaction whose failed statement was caught", async () => {
      const schema = unique("abort");
      await migrate(db, schema, migrations);
      await db.query(`insert into ${schema}.things (name) values ('taken')`);
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`insert into ${schema}.things (name) values ('inside')`);
          await tx.query(`insert into ${schema}.things (name) values ('taken')`).catch(() => undefined);
        }),
      ).rejects.toThrow();
      const rows = await db.query<{ name: string }>(`select name from ${schema}.things order by name`);
      expect(rows.map((r) => r.name)).toEqual(["taken"]);
    });

    it("returns int8 as a number, a jsonb object parameter as that object and timestamptz as a Date", async () => {
      const [row] = await db.query<{ n: number; j: { a: number }; t: Date }>(
        "select 9007199254740991::int8 as n, $1::jsonb as j, now() as t",
        [{ a: 1 }],
      );
      expect(row).toMatchObject({ n: 9007199254740991, j: { a: 1 } });
      expect(row?.t).toBeInstanceOf(Date);
    });
  });
}

describeDatabase("PGlite (in memory)", () => openPglite());

describe("database: reconnect delay", () => {
  it("doubles from 50 ms with jitter and never waits more than a second", () => {
    for (let failures = 0; failures < 40; failures++) {
      const delay = reconnectDelaySeconds(failures);
      const ceiling = Math.min(0.05 * 2 ** failures, 1);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });
});

if (postgresUrl) {
  const url = postgresUrl;
  describeDatabase("PostgreSQL", async () => openPostgres(url));

  describe("database: PostgreSQL outage", () => {
    it("fails queries fast while the server refuses connections, and answers once it is back", async () => {
      const proxy = await CuttableProxy.before(url);
      const db = openPostgres(proxy.through(url), { max: 4 });
      try {
        await Promise.all([1, 2, 3, 4].map(() => db.query("select pg_sleep(0.01)")));
        await proxy.cut("refuse");
        // Each refused connection adds to the pool's shared failure count, which sets how long
        // the next connection waits before it tries: with postgres.js's default (3^n/100 s, up to
        // 20 s) a query asked for ten failures in waits 10-20 s before it can fail or succeed.
        const slowest: number[] = [];
        for (let i = 0; i < 15; i++) {
          const started = Date.now();
          const error = await db.query("select 1").then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(isDatabaseUnavailable(error), String(error)).toBe(true);
          slowest.push(Date.now() - started);
        }
        expect(Math.max(...slowest), `waits: ${slowest.join(", ")} ms`).toBeLessThan(3_000);
        await proxy.restore();
        expect(await db.query<{ one: number }>("select 1 as one")).toEqual([{ one: 1 }]);
      } finally {
        await db.close();
        await proxy.stop();
      }
    }, 60_000);

    // postgres.js 3.4.9 throws an uncaught TypeError (vitest fails the run on it) when a
    // transaction goes on after its connection closed; the executor must stop it first.
    it("rejects a transaction whose connection is lost, commits none of it, and keeps the process up", async () => {
      const proxy = await CuttableProxy.before(url);
      const db = openPostgres(proxy.through(url), { max: 2 });
      const schema = unique("lost");
      await migrate(db, schema, migrations);
      const cut = async () => {
        await proxy.cut();
        await proxy.restore();
      };
      try {
        const outcomes: string[] = [];
        // Lost between two statements, lost with one in flight, and either way fn going on
        // (it catches the error and sends another statement).
        const cases: ((tx: Executor) => Promise<void>)[] = [
          async () => {
            await cut();
          },
          async (tx) => {
            setTimeout(() => void cut(), 100);
            await tx.query("select pg_sleep(0.5)");
          },
        ];
        for (const [i, lose] of cases.entries()) {
          const error = await db
            .transaction(async (tx) => {
              await tx.query(`insert into ${schema}.things (name) values ($1)`, [`before-${i}`]);
              await lose(tx).catch(() => undefined);
              await tx
                .query(`insert into ${schema}.things (name) values ($1)`, [`after-${i}`])
                .catch((e: unknown) => outcomes.push(`${i}: ${(e as { code?: string }).code}`));
            })
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          expect(isDatabaseUnavailable(error), String(error)).toBe(true);
        }
        // begin rejects as the connection closes; fn goes on a moment longer.
        await waitFor("both transactions' last statements to fail", () => outcomes.length === 2);
        expect(outcomes).toEqual(["0: CONNECTION_CLOSED", "1: CONNECTION_CLOSED"]);
        expect(await db.query(`select name from ${schema}.things`)).toEqual([]);
        await db.transaction(async (tx) => {
          await tx.query(`insert into ${schema}.things (name) values ('kept')`);
        });
        expect(await db.query(`select name from ${schema}.things`)).toEqual([{ name: "kept" }]);
      } finally {
        await db.close();
        await proxy.stop();
      }
    }, 60_000);
  });
} else {
  announceSkip(
    "PostgreSQL suites",
    "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres to run them",
  );
  describe.skip("database: PostgreSQL (DATABASE_URL not set)", () => it("skipped", () => {}));
}
