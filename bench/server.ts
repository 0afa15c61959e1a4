/**
 * The system under test, in a process of its own: the whole platform (every service, the
 * gateway on 127.0.0.1 and an ephemeral port, and a second gateway when asked) plus a
 * bench-only `bench.echo` command, driven by the harness over IPC. Configuration comes from the
 * environment the harness sets.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { createAdmin, credentialsChanged } from "../src/contracts/accounts/index.ts";
import { ident } from "../src/db/database.ts";
import { buildGateway } from "../src/gateway/gateway.ts";
import { startGatewayBeside } from "../src/gateway/second-instance.ts";
import type { Envelope } from "../src/messaging/envelope.ts";
import { defineCommand } from "../src/messaging/request-reply.ts";
import type { ServiceName } from "../src/platform/config.ts";
import { loadConfig } from "../src/platform/config.ts";
import type { ServiceDefinition } from "../src/runtime/platform.ts";
import { Platform } from "../src/runtime/platform.ts";
import { allServices } from "../src/services/index.ts";
import { serveOperations } from "./lib/child.ts";
import { CountingProvider } from "./lib/counting-db.ts";

/** A trivial command answered over the log: the round trip without any business work. */
const echo = defineCommand({
  type: "bench.echo",
  request: z.object({ n: z.number().int() }),
  result: z.object({ n: z.number().int() }),
  description: "Benchmark only: answers with what it was sent.",
});

const benchService: ServiceDefinition = {
  name: "bench" as ServiceName,
  migrations: [],
  async start(ctx) {
    await ctx.serve(echo, async (payload) => ({ n: payload.n }));
  },
};

const began = performance.now();
const config = loadConfig(process.env);
/** Counts database statements while asked to (the cost-per-operation scenario). */
const databases = new CountingProvider(config);
const platform = new Platform({
  config,
  databases,
  services: [...allServices, benchService],
  requester: true,
  ...(process.env.BENCH_SCHEMA_PREFIX ? { schemaPrefix: process.env.BENCH_SCHEMA_PREFIX } : {}),
});

/** Gateway A's address, once started. */
let url = "";

async function start(): Promise<string> {
  await platform.start();
  const gateway = await buildGateway(platform);
  await platform.lifecycle.startPart({
    name: "gateway",
    start: () => gateway.start(),
    stop: () => gateway.stop(),
  });
  await gateway.app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = gateway.app.server.address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;
  return url;
}

function requester() {
  if (!platform.requester) throw new Error("no requester");
  return platform.requester;
}

async function loginView() {
  return { db: await platform.databases.forService("login"), s: ident(platform.schemaOf("login")) };
}

async function credentialsPresent(emails: readonly string[]): Promise<number> {
  const { db, s } = await loginView();
  const rows = await db.query<{ n: number }>(
    `select count(*)::int as n from ${s}.credentials where email = any($1::text[])`,
    [emails],
  );
  return rows[0]?.n ?? 0;
}

/** Creates ACTIVE users through accounts' create-admin command, a few at a time. */
async function createUsers(args: Record<string, unknown>): Promise<{ emails: string[]; ms: number }> {
  const { prefix, count, password, concurrency } = args as {
    prefix: string;
    count: number;
    password: string;
    concurrency?: number;
  };
  const emails = Array.from({ length: count }, (_, i) => `${prefix}-${i}@bench.test`);
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < emails.length) {
      const email = emails[next++]!;
      await requester().request(
        createAdmin,
        email,
        { email, password: platform.sealer.seal(password) },
        { timeoutMs: 120_000 },
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency ?? 4 }, worker));
  return { emails, ms: performance.now() - t0 };
}

/** Waits until login's credentials view holds every one of `emails`. */
async function waitCredentials(args: Record<string, unknown>): Promise<number> {
  const { emails, timeoutMs } = args as { emails: string[]; timeoutMs?: number };
  const deadline = Date.now() + (timeoutMs ?? 60_000);
  for (;;) {
    const n = await credentialsPresent(emails);
    if (n === emails.length) return n;
    if (Date.now() > deadline) throw new Error(`login's view has ${n} of ${emails.length} users`);
    await sleep(50);
  }
}

/**
 * Signup committed → login's credentials view updated, one user at a time on an otherwise idle
 * platform. From: the `user-credentials.changed` event's occurredAt, stamped inside accounts'
 * transaction just before it commits. To: login's inbox row for that event, stamped (now()) by
 * the transaction that applies it to the view. Both clocks are this machine's.
 */
async function propagation(args: Record<string, unknown>): Promise<{ samples: number[] }> {
  const { prefix, samples, password } = args as { prefix: string; samples: number; password: string };
  const from = new Date(Date.now() - 1000);
  const emails: string[] = [];
  for (let i = 0; i < samples; i++) {
    const email = `${prefix}-${i}@bench.test`;
    await requester().request(createAdmin, email, { email, password: platform.sealer.seal(password) });
    const deadline = Date.now() + 20_000;
    while ((await credentialsPresent([email])) === 0) {
      if (Date.now() > deadline) throw new Error(`credentials of ${email} never reached login`);
      await sleep(5);
    }
    emails.push(email);
    await sleep(20);
  }
  const wanted = new Set(emails);
  const events = new Map<string, Envelope>();
  for (const d of await platform.transport.read(credentialsChanged.topic, {
    fromTimestamp: from,
    limit: 100_000,
  })) {
    const email = (d.envelope.payload as { email?: string }).email;
    if (email && wanted.has(email) && !events.has(email)) events.set(email, d.envelope);
  }
  const { db, s } = await loginView();
  const ids = [...events.values()].map((e) => e.id);
  const rows = await db.query<{ message_id: string; at_ms: number }>(
    `select message_id::text as message_id, extract(epoch from processed_at)::float8 * 1000 as at_ms
       from ${s}.inbox where consumer = 'login.on-credentials-changed' and message_id = any($1::uuid[])`,
    [ids],
  );
  const applied = new Map(rows.map((r) => [r.message_id, Number(r.at_ms)]));
  const out: number[] = [];
  for (const envelope of events.values()) {
    const at = applied.get(envelope.id);
    if (at !== undefined) out.push(at - Date.parse(envelope.occurredAt));
  }
  if (out.length < samples * 0.9)
    throw new Error(`only ${out.length} of ${samples} propagation samples matched`);
  return { samples: out };
}

/** Sequential bench.echo round trips through the requester, the log and ctx.serve. */
async function requestReply(args: Record<string, unknown>): Promise<{ samples: number[] }> {
  const { samples, warmup } = args as { samples: number; warmup?: number };
  const out: number[] = [];
  for (let i = 0; i < (warmup ?? 20) + samples; i++) {
    const t0 = performance.now();
    const answer = await requester().request(echo, `k${i}`, { n: i });
    const ms = performance.now() - t0;
    if (answer.n !== i) throw new Error("echo answered something else");
    if (i >= (warmup ?? 20)) out.push(ms);
  }
  return { samples: out };
}

/**
 * How long a logout on this gateway takes to reach a second gateway that has the session
 * cached: per sample, a sign-in here, the token resolved (and cached) there, a logout here,
 * then the second gateway asked every `pollMs` until it refuses the token. Measured from the
 * logout's answer. The first `warmup` samples are dropped (on Kafka the second gateway's
 * revocation subscription joins its group first).
 */
async function revocation(args: Record<string, unknown>): Promise<{ samples: number[] }> {
  const { emails, password, warmup, pollMs } = args as {
    emails: string[];
    password: string;
    warmup: number;
    pollMs: number;
  };
  const b = await startGatewayBeside(platform);
  try {
    const out: number[] = [];
    for (const [i, email] of emails.entries()) {
      const login = await fetch(`${url}/api/v1/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "ledgerline-bench" },
        body: JSON.stringify({ email, password }),
      });
      if (login.status !== 200) throw new Error(`sign-in of ${email} answered ${login.status}`);
      const { token } = (await login.json()) as { token: string };
      const authorization = `Bearer ${token}`;
      const onB = async () => (await fetch(`${b.url}/api/v1/me`, { headers: { authorization } })).status;
      if ((await onB()) !== 200) throw new Error("the second gateway refused a fresh session");
      const logout = await fetch(`${url}/api/v1/logout`, { method: "POST", headers: { authorization } });
      if (logout.status !== 204) throw new Error(`logout answered ${logout.status}`);
      const t0 = performance.now();
      const boundMs = i < warmup ? 20_000 : 10_000;
      let status: number;
      while ((status = await onB()) === 200) {
        if (performance.now() - t0 > boundMs)
          throw new Error(`the second gateway served a revoked session for ${boundMs / 1000} s`);
        await sleep(pollMs);
      }
      if (status !== 401) throw new Error(`the second gateway answered ${status} for a revoked session`);
      if (i >= warmup) out.push(performance.now() - t0);
    }
    return { samples: out };
  } finally {
    await b.stop();
  }
}

let profiler: Session | undefined;

async function profileStart(): Promise<void> {
  profiler = new Session();
  profiler.connect();
  await profiler.post("Profiler.enable");
  await profiler.post("Profiler.setSamplingInterval", { interval: 200 });
  await profiler.post("Profiler.start");
  // Every allocation, including what the collector has freed again by the end: the bytes each
  // request costs, not what happens to be alive at the stop.
  await profiler.post("HeapProfiler.enable");
  await profiler.post("HeapProfiler.startSampling", {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}

async function profileStop(args: Record<string, unknown>): Promise<string> {
  const { file } = args as { file: string };
  if (!profiler) throw new Error("profiler not started");
  const { profile } = await profiler.post("Profiler.stop");
  const heap = await profiler.post("HeapProfiler.stopSampling");
  // Beside the CPU profile; Chrome DevTools opens both (Memory → Allocation sampling).
  writeFileSync(file.replace(/\.cpuprofile$/, ".heapprofile"), JSON.stringify(heap.profile));
  profiler.disconnect();
  profiler = undefined;
  writeFileSync(file, JSON.stringify(profile));
  return file;
}

/** Kafka: how many consumer groups this process's subscriptions hold (each a consumer that fetches). */
async function consumerGroups(): Promise<number> {
  const lags = (await platform.transport.consumerLag?.()) ?? [];
  return new Set(lags.map((lag) => lag.group)).size;
}

async function verifications(): Promise<number> {
  const metric = platform.metrics.registry.getSingleMetric("ledgerline_password_verifications_total");
  return metric ? (await metric.get()).values.reduce((sum, v) => sum + v.value, 0) : 0;
}

serveOperations({
  createUsers,
  waitCredentials,
  propagation,
  requestReply,
  revocation,
  profileStart,
  profileStop,
  verifications,
  consumerGroups,
  memory: async () => process.memoryUsage(),
  /** Starts (or stops) counting statements; answers the counts so far and this process's CPU time. */
  counters: async (args) => {
    if (typeof args.counting === "boolean") databases.counting = args.counting;
    const cpu = process.cpuUsage();
    return { ...databases.snapshot(), cpuMs: (cpu.user + cpu.system) / 1000, at: performance.now() };
  },
  stop: async () => {
    await platform.stop();
    setImmediate(() => process.exit(0));
    return true;
  },
});

start().then(
  (url) => process.send?.({ type: "ready", url, startedMs: performance.now() - began }),
  (error: unknown) => {
    process.send?.({
      type: "fatal",
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    setTimeout(() => process.exit(1), 100);
  },
);
