import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { openPglite } from "../../src/db/pglite.ts";
import { EmbeddedTransport } from "../../src/messaging/embedded/embedded-transport.ts";
import type { OffsetCommit } from "../../src/messaging/embedded/offset-commits.ts";
import { OffsetCommits } from "../../src/messaging/embedded/offset-commits.ts";
import { testLogger, unique, waitFor } from "../support/index.ts";
import { numberedMessage } from "../support/numbered.ts";

/**
 * The embedded log commits the offsets of all its readers together: one statement per commit
 * window for the whole process, not one per group and partition.
 */
describe("embedded log: offset commits", () => {
  let db: Database;
  let transport: EmbeddedTransport;
  const schema = unique("log");
  let offsetWrites = 0;

  beforeAll(async () => {
    db = await openPglite();
    const counting: Database = {
      ...db,
      query: (text, params) => {
        if (text.includes(".offsets (group_id")) offsetWrites++;
        return db.query(text, params);
      },
    };
    transport = new EmbeddedTransport({
      db: counting,
      log: testLogger(),
      schema,
      partitions: 4,
      commitDelayMs: 1_000,
    });
    await transport.start();
  });
  afterAll(async () => {
    await transport?.stop();
    await db?.close();
  });

  it("writes every group's and partition's offset in one statement per window", async () => {
    const topic = unique("t");
    const groups = [unique("g"), unique("g"), unique("g")];
    let handled = 0;
    const subs = await Promise.all(
      groups.map((groupId) =>
        transport.subscribe({ groupId, topics: [topic], handler: async () => void handled++ }),
      ),
    );
    try {
      await transport.publish(
        Array.from({ length: 40 }, (_, i) => ({ ...numberedMessage(topic, i), key: `k${i}` })),
      );
      await waitFor("every group to handle all 40", () => handled === 120, 20_000);
      const committed = async () =>
        db.query<{ group_id: string; partition: number; next_offset: number }>(
          `select group_id, partition, next_offset from "${schema}".offsets where topic = $1`,
          [topic],
        );
      // 3 groups x 4 partitions, each at its partition's end.
      await waitFor("the offsets of 12 partitions", async () => (await committed()).length === 12, 10_000);
      const ends = [0, 1, 2, 3].map((partition) => transport.endOffset({ topic, partition }));
      expect(ends.reduce((a, b) => a + b)).toBe(40);
      for (const row of await committed()) expect(Number(row.next_offset)).toBe(ends[row.partition]);
      // One reader at a time this was 12 statements; the window may split once.
      expect(offsetWrites).toBeLessThanOrEqual(2);
    } finally {
      await Promise.all(subs.map((s) => s.stop()));
    }
  });
});

describe("OffsetCommits", () => {
  const ref = { topic: "t", partition: 0 };

  it("writes the latest offset per group and partition, once per window", async () => {
    const writes: OffsetCommit[][] = [];
    const commits = new OffsetCommits(async (c) => void writes.push([...c]), 60_000, testLogger());
    commits.schedule("a", ref, 3);
    commits.schedule("a", ref, 5);
    commits.schedule("b", ref, 2);
    await commits.flush();
    await commits.flush();
    expect(writes).toEqual([
      [
        { groupId: "a", topic: "t", partition: 0, nextOffset: 5 },
        { groupId: "b", topic: "t", partition: 0, nextOffset: 2 },
      ],
    ]);
  });

  it("logs a failed write and carries the partition further on its next commit", async () => {
    const writes: number[] = [];
    let fail = true;
    const commits = new OffsetCommits(
      async (c) => {
        if (fail) throw new Error("database gone");
        writes.push(...c.map((x) => x.nextOffset));
      },
      60_000,
      testLogger(),
    );
    commits.schedule("a", ref, 4);
    await expect(commits.flush()).resolves.toBeUndefined();
    fail = false;
    commits.schedule("a", ref, 9);
    await commits.flush();
    expect(writes).toEqual([9]);
  });

  it("commits on its own once the window has passed", async () => {
    const writes: number[] = [];
    const commits = new OffsetCommits(
      async (c) => void writes.push(...c.map((x) => x.nextOffset)),
      20,
      testLogger(),
    );
    commits.schedule("a", ref, 7);
    await waitFor("the window's commit", () => writes.length === 1, 5_000);
    expect(writes).toEqual([7]);
  });
});
