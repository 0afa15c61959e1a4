import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../../src/db/database.ts";
import { openPglite } from "../../src/db/pglite.ts";
import { EmbeddedTransport } from "../../src/messaging/embedded/embedded-transport.ts";
import type { Transport } from "../../src/messaging/transport.ts";
import { testLogger } from "../support/index.ts";
import { describeTransport } from "./transport.ts";

// A data directory on disk, so a reopen is a real restart of the embedded database.
describeTransport("embedded (PGlite on disk)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ledgerline-log-"));
  let db: Database = await openPglite(dir);
  const open = async (): Promise<Transport> => {
    const t = new EmbeddedTransport({ db, log: testLogger(), partitions: 4 });
    await t.start();
    return t;
  };
  let transport = await open();
  const harness = {
    get transport() {
      return transport;
    },
    get db() {
      return db;
    },
    reopen: async () => {
      await transport.stop();
      await db.close();
      db = await openPglite(dir);
      transport = await open();
      return transport;
    },
    close: async () => {
      await transport.stop();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
});
