import { describe, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { openPostgres } from "../../src/db/database.ts";
import { EmbeddedTransport } from "../../src/messaging/embedded/embedded-transport.ts";
import type { Transport } from "../../src/messaging/transport.ts";
import { announceSkip, postgresUrl, testLogger, unique } from "../support/index.ts";
import { describeTransport } from "./transport.ts";

// The embedded log also runs on PostgreSQL (DATABASE_URL set, KAFKA_BROKERS not): one process.
if (postgresUrl) {
  const url = postgresUrl;
  describeTransport("embedded (PostgreSQL)", async () => {
    const schema = unique("log");
    let db: Database = openPostgres(url);
    const open = async (): Promise<Transport> => {
      const t = new EmbeddedTransport({ db, log: testLogger(), schema, partitions: 4 });
      await t.start();
      return t;
    };
    let transport = await open();
    return {
      get transport() {
        return transport;
      },
      get db() {
        return db;
      },
      reopen: async () => {
        await transport.stop();
        await db.close();
        db = openPostgres(url);
        transport = await open();
        return transport;
      },
      close: async () => {
        await transport.stop();
        await db.close();
      },
    };
  });
} else {
  announceSkip(
    "PostgreSQL suites",
    "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres to run them",
  );
  describe.skip("embedded log on PostgreSQL (DATABASE_URL not set)", () => it("skipped", () => {}));
}
