import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo, Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCK_FILE } from "../../src/db/data-dir-lock.ts";
import { DatabaseProvider } from "../../src/db/provider.ts";
import { TEST_SECRET, embeddedEnv, testConfig } from "../support/index.ts";

const run = promisify(execFile);

/** `ledgerline start` as a process of its own, with how it exited and what it said on stderr. */
const refusedStart = (env: NodeJS.ProcessEnv) =>
  run(process.execPath, [resolve("bin/ledgerline.js"), "start"], { env, timeout: 120_000 }).then(
    () => ({ code: 0, stderr: "" }),
    (error: { code: number; stderr: string }) => error,
  );

describe("ledgerline start, when it cannot", () => {
  let dir: string;
  let taken: Server;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ledgerline-start-"));
    taken = createServer();
    await new Promise<void>((listening) => taken.listen(0, "127.0.0.1", listening));
    port = (taken.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((closed) => taken.close(closed));
    rmSync(dir, { recursive: true, force: true });
  });

  it("says in one line that PORT is taken, exits 2, and leaves the data directory unlocked", async () => {
    const outcome = await refusedStart({
      ...embeddedEnv(),
      DATA_DIR: dir,
      HOST: "127.0.0.1",
      PORT: String(port),
      LEDGERLINE_SECRET: TEST_SECRET,
      LOG_LEVEL: "warn",
    });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain(
      `PORT: 127.0.0.1:${port} is in use by another process; stop it or choose a free port`,
    );
    expect(outcome.stderr).not.toMatch(/\n\s+at /);
    // The platform was stopped, not abandoned: its lock is gone, so the next start needs no takeover.
    expect(existsSync(join(dir, "pglite"))).toBe(true);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("refuses a database a newer version migrated: one line naming the migration, exit 2", async () => {
    const data = mkdtempSync(join(tmpdir(), "ledgerline-newer-"));
    const env = { ...embeddedEnv(), DATA_DIR: data, LEDGERLINE_SECRET: TEST_SECRET, LOG_LEVEL: "warn" };
    try {
      const migrated = await run(process.execPath, [resolve("bin/ledgerline.js"), "migrate"], {
        env,
        timeout: 120_000,
      });
      // One line per schema, what it applied by component.
      expect(migrated.stdout).toMatch(/^accounts: applied messaging \d+(, \d+)*; service \d+(, \d+)*$/m);
      // What a later release's migration leaves behind.
      const databases = new DatabaseProvider(testConfig({ DATA_DIR: data }));
      const db = await databases.forService("accounts");
      await db.query(
        `insert into accounts.schema_migrations (component, version, name) values ('service', 999, 'from-the-future')`,
      );
      await databases.close();
      const outcome = await refusedStart({ ...env, HOST: "127.0.0.1", PORT: "0" });
      expect(outcome.code).toBe(2);
      expect(outcome.stderr.trim().split("\n").at(-1)).toBe(
        "Schema accounts holds service migration 999 (from-the-future) that this version of Ledgerline " +
          "does not have: a newer version migrated it. Run that version or a later one, or restore the " +
          "database from a backup taken before the upgrade (migrations go forward only).",
      );
      expect(outcome.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(data, LOCK_FILE))).toBe(false);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
  it.each([
    [
      "a password the policy refuses",
      { LEDGERLINE_ADMIN_EMAIL: "admin@example.test", LEDGERLINE_ADMIN_PASSWORD: "Admin-Harbour-Lantern" },
      "LEDGERLINE_ADMIN_PASSWORD: The password must not contain your email address.",
    ],
    [
      "an email without a password",
      { LEDGERLINE_ADMIN_EMAIL: "admin@example.test" },
      "LEDGERLINE_ADMIN_EMAIL: set LEDGERLINE_ADMIN_PASSWORD too, or the admin cannot be created",
    ],
  ])(
    "refuses a first admin it cannot create (%s): one line, exit 2, nothing started",
    async (_what, admin, line) => {
      const data = join(dir, `admin-${Math.random().toString(36).slice(2)}`);
      const outcome = await refusedStart({
        ...embeddedEnv(),
        ...admin,
        DATA_DIR: data,
        HOST: "127.0.0.1",
        PORT: "0",
        LEDGERLINE_SECRET: TEST_SECRET,
        LOG_LEVEL: "warn",
      });
      expect(outcome.code).toBe(2);
      expect(outcome.stderr.trim().split("\n").at(-1)).toBe(`  - ${line}`);
      expect(outcome.stderr).not.toMatch(/\n\s+at /);
      // Refused before anything started: no database was opened in the data directory.
      expect(existsSync(join(data, "pglite"))).toBe(false);
    },
  );
});
