import type { ChildProcess } from "node:child_process";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";

/** Where the Kafka + PostgreSQL runs point, or why they are skipped. */
export type Backing =
  | { readonly ok: true; readonly brokers: string; readonly brokerNote: string; readonly databaseUrl: string }
  | { readonly ok: false; readonly reason: string };

/**
 * A Kafka broker for the bench: KAFKA_BROKERS when set; else a private librdkafka mock cluster
 * (tools/mock-broker) that the bench starts and stops itself, so no test suite that shares the
 * repository's test broker (.broker/) joins the bench's consumer groups, and the bench never
 * stops a broker it did not start.
 */
export class BenchBroker {
  private child: ChildProcess | undefined;

  static async open(
    root: string,
    tmp: string,
  ): Promise<{ broker?: BenchBroker; brokers?: string; note: string }> {
    if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS, note: "KAFKA_BROKERS" };
    const source = join(root, "tools/mock-broker/mock-broker.c");
    let binary = join(root, "tools/mock-broker/mock-broker");
    if (!existsSync(binary) || (existsSync(source) && isNewer(source, binary))) {
      binary = join(tmp, "mock-broker");
      try {
        const flags = execFileSync("pkg-config", ["--cflags", "--libs", "rdkafka"], {
          encoding: "utf8",
        }).trim();
        execFileSync("sh", ["-c", `cc -O2 -o '${binary}' '${source}' ${flags} -lpthread`], {
          stdio: "ignore",
        });
      } catch {
        return {
          note: "no KAFKA_BROKERS and the mock broker cannot be built (apt-get install librdkafka-dev pkg-config)",
        };
      }
    }
    const broker = new BenchBroker();
    const brokers = await broker.start(binary);
    return {
      broker,
      brokers,
      note: "private librdkafka mock cluster started by the bench (tools/mock-broker)",
    };
  }

  private start(binary: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(binary, [], { stdio: ["ignore", "pipe", "ignore"] });
      this.child = child;
      let out = "";
      const timer = setTimeout(() => reject(new Error("mock broker printed no address within 5 s")), 5_000);
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n")[0];
        if (out.includes("\n") && line) {
          clearTimeout(timer);
          resolve(line.trim());
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`mock broker exited (${code})`));
      });
    });
  }

  /** Stops the broker this bench started (its pid only). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await gone;
    clearTimeout(timer);
  }
}

function isNewer(a: string, b: string): boolean {
  return statSync(a).mtimeMs > statSync(b).mtimeMs;
}

/** DATABASE_URL, else the machine's local PostgreSQL (as .ci/run uses it) if it answers. */
export async function resolvePostgres(): Promise<{ url?: string; note: string }> {
  const candidates = process.env.DATABASE_URL
    ? [[process.env.DATABASE_URL, "DATABASE_URL"]]
    : [
        [
          "postgres://postgres@127.0.0.1:5432/postgres",
          "local PostgreSQL on 127.0.0.1:5432 (DATABASE_URL unset)",
        ],
      ];
  for (const [url, note] of candidates as [string, string][]) {
    const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      const [row] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
      return { url, note: `${note}, PostgreSQL ${row?.v ?? "?"}` };
    } catch (error) {
      return {
        note: `PostgreSQL unreachable (${note}): ${error instanceof Error ? error.message : String(error)}`,
      };
    } finally {
      await sql.end({ timeout: 2 });
    }
  }
  return { note: "no PostgreSQL" };
}

/** Drops the schemas one bench run created (they all start with its own prefix). */
export async function dropSchemas(url: string, prefix: string): Promise<number> {
  if (!/^bench_[a-z0-9]+_$/.test(prefix)) throw new Error(`refusing to drop schemas with prefix ${prefix}`);
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const rows = await sql<
      { nspname: string }[]
    >`select nspname from pg_namespace where starts_with(nspname, ${prefix})`;
    for (const { nspname } of rows) await sql.unsafe(`drop schema "${nspname}" cascade`);
    return rows.length;
  } finally {
    await sql.end({ timeout: 2 });
  }
}
