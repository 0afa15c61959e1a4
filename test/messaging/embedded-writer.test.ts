import { describe, expect, it } from "vitest";
import { openPostgres } from "../../src/db/database.ts";
import { EmbeddedLogInUseError, EmbeddedTransport } from "../../src/messaging/embedded/embedded-transport.ts";
import { Platform } from "../../src/runtime/platform.ts";
import { CuttableProxy } from "../support/cuttable-proxy.ts";
import { announceSkip, postgresUrl, testConfig, testLogger, unique, waitFor } from "../support/index.ts";

// The embedded log assigns offsets in the process that writes it. On PostgreSQL a second process
// could open the same log; it must be refused, not left to reuse offsets.
if (postgresUrl) {
  const url = postgresUrl;

  describe("embedded log on PostgreSQL: one writer", () => {
    it("refuses a second writer of the same log while the first runs, and lets it start once the first stopped", async () => {
      const schema = unique("log");
      // Two pools: two sessions, as two processes would have.
      const [dbA, dbB] = [openPostgres(url), openPostgres(url)];
      const a = new EmbeddedTransport({ db: dbA, log: testLogger(), schema });
      const b = new EmbeddedTransport({ db: dbB, log: testLogger(), schema });
      try {
        await a.start();
        const refused = await b.start().then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(refused).toBeInstanceOf(EmbeddedLogInUseError);
        expect((refused as EmbeddedLogInUseError).code).toBe("LOG_IN_USE");
        expect((refused as Error).message).toContain(`schema ${schema}`);
        expect((refused as Error).message).toContain("KAFKA_BROKERS");
        // Another log on the same database is not affected.
        const other = new EmbeddedTransport({ db: dbB, log: testLogger(), schema: unique("log") });
        await other.start();
        await other.stop();

        await a.stop();
        await b.start();
      } finally {
        await b.stop();
        await a.stop();
        await Promise.all([dbA.close(), dbB.close()]);
      }
    });

    it("fences off a writer whose lock went with its connection once another writer starts", async () => {
      const schema = unique("log");
      const proxy = await CuttableProxy.before(url);
      // A reaches PostgreSQL through a proxy that is cut and restored: its lock's session ends.
      const [dbA, dbB] = [openPostgres(proxy.through(url)), openPostgres(url)];
      const a = new EmbeddedTransport({ db: dbA, log: testLogger(), schema, partitions: 1 });
      const b = new EmbeddedTransport({ db: dbB, log: testLogger(), schema, partitions: 1 });
      const message = (n: number) => ({
        topic: "t",
        key: "k",
        envelope: { id: `m${n}` } as never,
      });
      try {
        await a.start();
        await a.publish([message(1)]);
        await proxy.cut();
        await proxy.restore();
        // Until PostgreSQL notices the lost session, b is refused as before.
        await waitFor("the lost session's lock to be released", () =>
          b.start().then(
            () => true,
            () => false,
          ),
        );
        // a may not append any more, not even with offsets b has not used yet; b appends.
        const refused = await a.publish([message(2)]).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(EmbeddedLogInUseError);
        expect((refused as EmbeddedLogInUseError).code).toBe("LOG_IN_USE");
        await expect(a.publish([message(3)])).rejects.toBeInstanceOf(EmbeddedLogInUseError);
        await expect(a.ping()).rejects.toBeInstanceOf(EmbeddedLogInUseError);
        await b.publish([message(4)]);
        const ids = (await b.read("t")).map((d) => [d.offset, (d.envelope as { id: string }).id]);
        expect(ids).toEqual([
          ["0", "m1"],
          ["1", "m4"],
        ]);
      } finally {
        await b.stop();
        await a.stop();
        await Promise.all([dbA.close(), dbB.close()]);
        await proxy.stop();
      }
    });

    it("makes a second platform on the same PostgreSQL log refuse to start", async () => {
      const config = testConfig({ DATABASE_URL: url });
      const schemaPrefix = `${unique("wr")}_`;
      const first = new Platform({ config, services: [], schemaPrefix });
      const second = new Platform({ config, services: [], schemaPrefix });
      await first.start();
      try {
        await expect(second.start()).rejects.toThrow(EmbeddedLogInUseError);
      } finally {
        await second.lifecycle.stop();
        await first.lifecycle.stop();
      }
    });
  });
} else {
  announceSkip(
    "PostgreSQL suites",
    "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres to run them",
  );
  describe.skip("embedded log writer lock (DATABASE_URL not set)", () => it("skipped", () => {}));
}
