import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirInUseError, LOCK_FILE, lockDataDir } from "../../src/db/data-dir-lock.ts";
import { DatabaseProvider } from "../../src/db/provider.ts";
import { TEST_SECRET, embeddedEnv, testConfig } from "../support/index.ts";

const run = promisify(execFile);
const dirs: string[] = [];
const children: ChildProcess[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ledgerline-lock-"));
  dirs.push(dir);
  return dir;
}

function writeLock(dir: string, holder: Record<string, unknown> | string): void {
  writeFileSync(join(dir, LOCK_FILE), typeof holder === "string" ? holder : JSON.stringify(holder));
}

/** A live process that is not this one. */
async function otherProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
  children.push(child);
  await new Promise((ready) => child.once("spawn", ready));
  return child;
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("data directory lock", () => {
  it("holds the directory until released, and refuses a second holder in the same process", () => {
    const dir = dataDir();
    const lock = lockDataDir(dir);
    const written = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { pid: number; host: string };
    expect(written).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir).release();
  });

  it("refuses a directory a live process holds, naming it, and takes it over once that process is gone", async () => {
    const dir = dataDir();
    const other = await otherProcess();
    writeLock(dir, { pid: other.pid, host: hostname(), startedAt: "2026-12-01T00:00:00.000Z" });
    let refused: unknown;
    try {
      lockDataDir(dir);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DataDirInUseError);
    expect((refused as DataDirInUseError).code).toBe("DATA_DIR_IN_USE");
    expect((refused as Error).message).toContain(`process ${other.pid} on ${hostname()}`);
    expect((refused as Error).message).toContain(join(dir, LOCK_FILE));

    const exited = new Promise((gone) => other.once("exit", gone));
    other.kill("SIGKILL");
    await exited;
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it("takes over a lock naming this process's pid that this process does not hold (a restarted container)", () => {
    const dir = dataDir();
    writeLock(dir, { pid: process.pid, host: hostname(), startedAt: "2026-12-01T00:00:00.000Z" });
    lockDataDir(dir).release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("refuses a lock written on another host, or one it cannot read, since it cannot tell whether it is stale", () => {
    const dir = dataDir();
    writeLock(dir, { pid: 1, host: `not-${hostname()}`, startedAt: "2026-12-01T00:00:00.000Z" });
    expect(() => lockDataDir(dir)).toThrow(/in use \(process 1 on not-/);
    writeLock(dir, "not json");
    expect(() => lockDataDir(dir)).toThrow(/lock file cannot be read/);
  });

  it("is taken by the database provider with PGlite on disk, and given back when it closes", async () => {
    const dir = dataDir();
    const first = new DatabaseProvider(testConfig({ DATA_DIR: dir }));
    await first.forService("accounts");
    const second = new DatabaseProvider(testConfig({ DATA_DIR: dir }));
    await expect(second.forService("accounts")).rejects.toThrow(DataDirInUseError);
    await first.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await second.forService("accounts");
    await second.close();
  });

  it("makes `ledgerline migrate` refuse a data directory a running platform holds, with a clear line", async () => {
    const dir = dataDir();
    const provider = new DatabaseProvider(testConfig({ DATA_DIR: dir }));
    await provider.forService("accounts");
    try {
      const outcome = await run(process.execPath, [resolve("bin/ledgerline.js"), "migrate"], {
        env: { ...embeddedEnv(), DATA_DIR: dir, LEDGERLINE_SECRET: TEST_SECRET },
        timeout: 60_000,
      }).then(
        () => ({ code: 0, stderr: "" }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(outcome.code).toBe(2);
      // One line naming the holder (this test process), no stack trace.
      expect(outcome.stderr.trim()).toBe(
        `DATA_DIR ${dir} is in use (process ${process.pid} on ${hostname()}, since ` +
          `${(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { startedAt: string }).startedAt}). ` +
          "Stop it first, or give this process a DATA_DIR of its own (services in separate processes " +
          "share PostgreSQL and Kafka instead: DATABASE_URL, KAFKA_BROKERS). " +
          `If no such process runs, delete ${join(dir, LOCK_FILE)}.`,
      );
    } finally {
      await provider.close();
    }
  });
});
