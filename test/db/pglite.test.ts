import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { openPglite } from "../../src/db/pglite.ts";
import { unique } from "../support/index.ts";

/** The statements PGlite holds prepared in its one session. */
async function preparedCount(db: Database): Promise<number> {
  const [row] = await db.query<{ n: number }>("select count(*)::int as n from pg_prepared_statements");
  return row?.n ?? -1;
}

describe("PGlite through prepared statements", () => {
  let db: Database;
  let t: string;
  beforeAll(async () => {
    db = await openPglite();
  });
  afterAll(async () => {
    await db?.close();
  });
  /** A table of its own for each test, on the one instance. */
  const table = async (columns = "id int primary key"): Promise<void> => {
    t = unique("t");
    await db.exec(`create table ${t} (${columns})`);
  };

  it("prepares a statement once and runs it again with other parameters", async () => {
    await table("id int primary key, name text");
    const before = await preparedCount(db);
    for (let i = 0; i < 5; i++) await db.query(`insert into ${t} (id, name) values ($1, $2)`, [i, `n${i}`]);
    expect(await preparedCount(db)).toBe(before + 1);
    const rows = await db.query<{ id: number; name: string }>(
      `select id, name from ${t} where id >= $1 order by id`,
      [3],
    );
    expect(rows).toEqual([
      { id: 3, name: "n3" },
      { id: 4, name: "n4" },
    ]);
  });

  it("keeps a statement usable after it failed, and does not keep one that did not parse", async () => {
    await table();
    const insert = `insert into ${t} (id) values ($1)`;
    await db.query(insert, [1]);
    await expect(db.query(insert, [1])).rejects.toMatchObject({ code: "23505", query: insert });
    await db.query(insert, [2]);
    const before = await preparedCount(db);
    await expect(db.query("selec 1")).rejects.toMatchObject({ code: "42601" });
    expect(await preparedCount(db)).toBe(before);
    expect(await db.query<{ n: number }>(`select count(*)::int as n from ${t}`)).toEqual([{ n: 2 }]);
  });

  it("closes the oldest statement when more distinct ones are asked for than it keeps", async () => {
    const small = await openPglite(undefined, { preparedCapacity: 3 });
    try {
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 8; i++) {
          const [row] = await small.query<{ v: number }>(`select $1::int + ${i} as v`, [round]);
          expect(row?.v).toBe(round + i);
        }
      }
      expect(await preparedCount(small)).toBeLessThanOrEqual(3);
    } finally {
      await small.close();
    }
  });

  it("prepares a statement again when its table changed under it", async () => {
    await table();
    await db.exec(`insert into ${t} values (1)`);
    const select = `select * from ${t} where id = $1`;
    expect(await db.query(select, [1])).toEqual([{ id: 1 }]);
    await db.exec(`alter table ${t} add column name text`);
    // PostgreSQL refuses to run a cached plan whose result type changed; the next run prepares it anew.
    await db.query(select, [1]).catch((error: unknown) => expect(error).toMatchObject({ code: "0A000" }));
    expect(await db.query(select, [1])).toEqual([{ id: 1, name: null }]);
  });

  it("runs a statement asked for outside a transaction after it, never inside it", async () => {
    await table();
    let outside: Promise<unknown> | undefined;
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`insert into ${t} (id) values (1)`);
        outside = db.query(`insert into ${t} (id) values (2)`);
        // Give the outside statement every chance to run now, inside this transaction.
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await outside;
    expect(await db.query(`select id from ${t}`)).toEqual([{ id: 2 }]);
  });

  it("runs the statements of one transaction asked for at once, one after another", async () => {
    await table();
    await db.transaction(async (tx) => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => tx.query(`insert into ${t} (id) values ($1)`, [i])),
      );
    });
    expect(await db.query(`select count(*)::int as n from ${t}`)).toEqual([{ n: 20 }]);
  });

  it("refuses a transaction's executor once the transaction has ended", async () => {
    let kept: { query(text: string): Promise<unknown> } | undefined;
    await db.transaction(async (tx) => {
      kept = tx;
    });
    await expect(kept!.query("select 1")).rejects.toThrow("the transaction has ended");
  });
  it("begins a transaction with its first statement and returns that statement's rows", async () => {
    await table();
    const rows = await db.transaction(async (tx) => {
      const first = await tx.query<{ v: number }>("select $1::int as v", [7]);
      await tx.query(`insert into ${t} (id) values (1)`);
      return first;
    });
    expect(rows).toEqual([{ v: 7 }]);
    expect(await db.query(`select id from ${t}`)).toEqual([{ id: 1 }]);
  });

  it("rolls back a transaction whose first statement failed and leaves no transaction open", async () => {
    await table();
    const insert = `insert into ${t} (id) values ($1)`;
    await db.query(insert, [1]);
    await expect(db.transaction((tx) => tx.query(insert, [1]))).rejects.toMatchObject({ code: "23505" });
    await expect(
      db.transaction(async (tx) => {
        await tx.query(insert, [1]).catch(() => undefined);
      }),
    ).rejects.toThrow("rolled back");
    // Outside a transaction every statement is its own: two of them get two transaction ids.
    const [a] = await db.query<{ x: string }>("select txid_current()::text as x");
    const [b] = await db.query<{ x: string }>("select txid_current()::text as x");
    expect(a?.x).not.toBe(b?.x);
  });

  it("begins a transaction whose first statement closes another to make room", async () => {
    const small = await openPglite(undefined, { preparedCapacity: 1 });
    try {
      await small.exec("create table n (id int primary key)");
      await small.query("select $1::int as v", [1]);
      await expect(
        small.transaction(async (tx) => {
          await tx.query("insert into n (id) values ($1)", [1]);
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      await small.transaction(async (tx) => {
        await tx.query("select $1::int as v", [2]);
        await tx.query("insert into n (id) values ($1)", [2]);
      });
      expect(await small.query("select id from n")).toEqual([{ id: 2 }]);
      expect(await preparedCount(small)).toBeLessThanOrEqual(1);
    } finally {
      await small.close();
    }
  });

  it("sends nothing for a transaction that runs no statement", async () => {
    expect(await db.transaction(async () => "nothing")).toBe("nothing");
    expect(await db.query<{ v: number }>("select 1 as v")).toEqual([{ v: 1 }]);
  });
});
