import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/cli/free-port.ts";
import { unique, waitFor } from "../support/index.ts";
import { call, distributed, scratchDatabase } from "./support.ts";

const bin = fileURLToPath(new URL("../../bin/ledgerline.js", import.meta.url));

describe.skipIf(!distributed)("ledgerline cluster", () => {
  let child: ChildProcess | undefined;
  let database: Awaited<ReturnType<typeof scratchDatabase>> | undefined;

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    await database?.drop();
  }, 30_000);

  it("starts processes per service with prefixed logs, its own test broker, and stops them all on Ctrl-C", async () => {
    database = await scratchDatabase("ll_cluster");
    const port = await freePort();
    const opsPort = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: database.url,
      LOG_LEVEL: "info",
      ARGON2_MEMORY_KIB: "8192",
      ARGON2_ITERATIONS: "1",
    };
    // No KAFKA_BROKERS and no LEDGERLINE_SECRET: the command starts a broker and makes a secret.
    child = spawn(
      process.execPath,
      [
        bin,
        "cluster",
        "--instances",
        "activation=0,lockout=0,password=0,mailer=0,invoicing=0,scoring=0,login=2",
        "--port",
        String(port),
        "--ops-port",
        String(opsPort),
      ],
      { env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    const lines: string[] = [];
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => lines.push(line));
    }
    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));

    await waitFor(
      "the gateway ready",
      async () => (await call(`http://127.0.0.1:${port}`, "GET", "/readyz")).status === 200,
      150_000,
    );
    for (const p of [opsPort, opsPort + 1, opsPort + 2]) {
      await waitFor(
        `ops port ${p} ready`,
        async () => (await call(`http://127.0.0.1:${p}`, "GET", "/readyz")).status === 200,
        60_000,
      );
    }
    const signup = await call(`http://127.0.0.1:${port}`, "POST", "/api/v1/signup", {
      email: `${unique("cluster")}@example.test`,
      password: "started by one command",
    });
    expect(signup.status).toBe(202);

    expect(lines.some((l) => l.startsWith("KAFKA_BROKERS was not set: started a test broker"))).toBe(true);
    expect(lines.some((l) => l.startsWith("LEDGERLINE_SECRET was not set"))).toBe(true);
    for (const label of ["gateway#1", "accounts#1", "login#1", "login#2"]) {
      expect(
        lines.some((l) => l.startsWith(`[${label}] `)),
        label,
      ).toBe(true);
    }
    const children = await childPids(child.pid!);
    expect(children.length).toBeGreaterThanOrEqual(5); // 4 processes and the broker
    process.kill(child.pid!, "SIGINT");
    expect(await exited).toBe(0);
    expect(lines.some((l) => l === "[cluster] stopped")).toBe(true);
    for (const pid of children) {
      await waitFor(`process ${pid} gone with the cluster`, () => !alive(pid), 10_000);
    }
  }, 300_000);
});

/** Direct children of a process (from /proc). */
async function childPids(parent: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) out.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Whether a process runs (a zombie, exited and not yet reaped, does not count). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
