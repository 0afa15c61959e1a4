import { createWriteStream, mkdirSync } from "node:fs";
import type { WriteStream } from "node:fs";
import postgres from "postgres";
import type { Member } from "../../src/cli/cluster.ts";
import { Cluster } from "../../src/cli/cluster.ts";
import { migrateAll } from "../../src/cli/migrate.ts";
import type { MockBroker } from "../../src/cli/mock-broker.ts";
import { startMockBroker } from "../../src/cli/mock-broker.ts";
import type { ProvisionedRole } from "../../src/db/provision.ts";
import { dropRoles, provisionRoles, withCredentials } from "../../src/db/provision.ts";
import { loadConfig, serviceNames } from "../../src/platform/config.ts";
import { announceSkip, postgresUrl, TEST_SECRET, unique } from "../support/index.ts";

/**
 * The distributed suites start real processes (`node bin/ledgerline.js start --service …`) on a
 * private mock broker and a database of their own, each service as its own PostgreSQL role.
 * They run when LEDGERLINE_DISTRIBUTED=1 and DATABASE_URL is set (.ci/run runs them in a step of
 * their own, one file at a time: they need the machine's two cores to themselves).
 */
export const distributed = process.env.LEDGERLINE_DISTRIBUTED === "1" && !!postgresUrl;
if (!distributed) {
  announceSkip(
    "distributed suites",
    "set LEDGERLINE_DISTRIBUTED=1 and DATABASE_URL (and install librdkafka-dev) to run them.",
  );
}

/** The admin URL with another database in its path. */
export function databaseUrl(base: string, database: string): string {
  return base.replace(/^(postgres(?:ql)?:\/\/[^/]*\/)[^?#]*/, `$1${database}`);
}

/** A scratch database: created now, dropped (with its connections) by drop(). */
export async function scratchDatabase(
  prefix: string,
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = unique(prefix);
  const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrl(postgresUrl!, name),
    drop: async () => {
      const sql = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await sql.end();
      }
    },
  };
}

export interface DeploymentOptions {
  /** Names the deployment's log file (test-results/distributed/<name>.log). */
  readonly name: string;
  readonly instances: Record<string, number>;
  readonly env?: Record<string, string>;
  /** Override one service's database URL (e.g. through a proxy) after provisioning. */
  readonly databaseUrlFor?: (service: string, url: string) => string;
  readonly brokers?: number;
}

export interface Deployment {
  readonly broker: MockBroker;
  readonly cluster: Cluster;
  /** Superuser URL of the deployment's database (for checkers). */
  readonly adminUrl: string;
  readonly roles: readonly ProvisionedRole[];
  readonly gateways: string[];
  /** Every line the processes wrote, as written. */
  readonly lines: string[];
  member(label: string): Member;
  stop(): Promise<void>;
}

/** Environment every deployment's processes share: cheap hashing, quick relays, no rate limits. */
export const baseEnv: Record<string, string> = {
  LOG_LEVEL: "info",
  LEDGERLINE_SECRET: TEST_SECRET,
  ARGON2_MEMORY_KIB: "8192",
  ARGON2_ITERATIONS: "1",
  OUTBOX_POLL_MS: "100",
  KAFKA_FETCH_WAIT_MS: "100",
  REQUEST_TIMEOUT_MS: "8000",
  SHUTDOWN_GRACE_MS: "5000",
  REQUESTS_PER_IP_PER_HOUR: "1000000",
  REQUESTS_PER_EMAIL_PER_HOUR: "1000",
  LOGIN_FAILURES_PER_IP_PER_HOUR: "1000000",
};

const live = new Set<Deployment>();
// If the test process ends without afterAll (a crash), no process may outlive it.
process.once("exit", () => {
  for (const d of live) {
    for (const m of d.cluster.members) if (m.child?.pid) tryKill(-m.child.pid);
    tryKill(-d.broker.pid);
  }
});
function tryKill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}

/**
 * A deployment of its own: a mock broker, a database with one role and schema per service,
 * migrations run as those roles, then the processes (each given only its own database URL).
 */
export async function deploy(options: DeploymentOptions): Promise<Deployment> {
  mkdirSync("test-results/distributed", { recursive: true });
  const log: WriteStream = createWriteStream(`test-results/distributed/${options.name}.log`);
  const lines: string[] = [];
  const broker = await startMockBroker({ brokers: options.brokers ?? 1 });
  const database = await scratchDatabase(`ll_${options.name.replace(/[^a-z0-9]/g, "")}`);
  const rolePrefix = `${database.name}_`;
  let cluster: Cluster | undefined;
  const stop = async (): Promise<void> => {
    await cluster?.stop(8_000);
    await broker.stop();
    await database.drop().catch(() => undefined);
    await dropRoles(
      postgresUrl!,
      serviceNames.map((s) => `${rolePrefix}${s}`),
    ).catch(() => undefined);
    await new Promise((r) => log.end(r));
  };
  try {
    const roles = await provisionRoles({
      adminUrl: database.url,
      services: serviceNames,
      rolePrefix,
      passwordSecret: TEST_SECRET,
    });
    const urls: Record<string, string> = {};
    for (const role of roles) {
      urls[`DATABASE_URL_${role.service.toUpperCase()}`] =
        options.databaseUrlFor?.(role.service, role.url) ?? role.url;
    }
    const env: Record<string, string> = {
      ...baseEnv,
      KAFKA_BROKERS: broker.bootstrap,
      ...urls,
      ...options.env,
    };
    // Migrations as the services' own roles, before any process starts.
    await migrateAll(loadConfig({ ...env, LOG_LEVEL: "silent" }));
    cluster = new Cluster({
      instances: new Map(Object.entries(options.instances)),
      env: { PATH: process.env.PATH, ...env },
      gatewayPort: 0,
      opsPort: 0,
      restartDelayMs: 1_000,
      output: (line) => {
        lines.push(line);
        log.write(`${new Date().toISOString()} ${line}\n`);
      },
    });
    const deployment: Deployment = {
      broker,
      cluster,
      adminUrl: database.url,
      roles,
      gateways: [],
      lines,
      member: (label) => {
        const m = cluster?.members.find((x) => x.label === label);
        if (!m) throw new Error(`no member ${label}`);
        return m;
      },
      stop: async () => {
        live.delete(deployment);
        await stop();
      },
    };
    live.add(deployment);
    await cluster.start();
    deployment.gateways.push(...cluster.gatewayUrls);
    await cluster.waitReady(150_000);
    return deployment;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The admin URL with a role's credentials: connect as that service's role. */
export function asRole(adminUrl: string, role: ProvisionedRole, password: string): string {
  return withCredentials(adminUrl, role.role, password);
}

export interface Answer {
  /** HTTP status, or 0 when no answer came (connection refused or reset, timeout). */
  readonly status: number;
  readonly body: Record<string, unknown> & { error?: { code: string; message: string } };
  readonly ms: number;
}

/** One HTTP call that never throws: a lost answer is status 0. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<Answer> {
  const started = Date.now();
  try {
    const response = await fetch(base + path, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: Answer["body"] = {};
    try {
      parsed = text ? (JSON.parse(text) as Answer["body"]) : {};
    } catch {
      parsed = { raw: text };
    }
    return { status: response.status, body: parsed, ms: Date.now() - started };
  } catch (error) {
    return { status: 0, body: { raw: String(error) }, ms: Date.now() - started };
  }
}

/** Polls the dev mailbox (through a gateway) for a mail to `to` whose subject matches. */
export async function findMail(
  gateways: readonly string[],
  to: string,
  subject: RegExp,
  timeoutMs: number,
  count = 1,
): Promise<{ subject: string; links: string[] }[] | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline; i++) {
    const gateway = gateways[i % gateways.length]!;
    const answer = await call(gateway, "GET", `/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`);
    if (answer.status === 200) {
      const messages = (answer.body.messages as { subject: string; links: string[] }[]).filter((m) =>
        subject.test(m.subject),
      );
      if (messages.length >= count) return messages;
    }
    await new Promise((r) => setTimeout(r, 400));
  }
  return undefined;
}

export function tokenIn(links: readonly string[], path: string): string | undefined {
  const link = links.find((l) => l.includes(path));
  return link ? (new URL(link).searchParams.get("token") ?? undefined) : undefined;
}

/** Reads one Prometheus sample value (sum over matching label sets). */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  let found: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    found = (found ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return found;
}
