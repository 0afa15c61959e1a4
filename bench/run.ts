/**
 * `npm run bench` — the project's own benchmark harness (not a test): measures every hot path
 * against its limit on this machine, in one run, and writes docs/benchmarks.md with SVG charts.
 *
 *   npm run bench                 full run (< 10 min on 2 cores)
 *   npm run bench -- --quick      shorter runs, fewer samples, no Kafka login runs (< 2 min)
 *   options: --no-kafka  --no-profile  --profile (also in --quick)  --out <dir> (default docs)
 *            --only embedded,kafka,footprint (the parts to run; the argon2 limit always runs)
 *   npm run bench -- --render docs/benchmarks/results.json   the page and charts again from a
 *            run's saved figures, measuring nothing (after a change to bench/lib/report.ts)
 *
 * Every load targets 127.0.0.1 only and is bounded in count and time. The system under test
 * runs in child processes (bench/server.ts, bench/hello.ts, `node bin/ledgerline.js start`);
 * the load generator runs here.
 */
import { randomBytes } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { hash, verify } from "@node-rs/argon2";
import { BenchChild } from "./lib/child.ts";
import { BenchBroker, dropSchemas, resolvePostgres } from "./lib/distributed.ts";
import type { BenchRequest, LoadResult } from "./lib/load.ts";
import { LoopbackClient, autocannonLoad, closedLoop, openLoop } from "./lib/load.ts";
import { cpuSeconds, describeMachine, loadAverage, rssMiB } from "./lib/machine.ts";
import { summarizeProfile } from "./lib/profile.ts";
import { writeReport } from "./lib/report.ts";
import type {
  CostResult,
  CostRow,
  EnumerationResult,
  FootprintResult,
  InvoiceResult,
  LimitResult,
  RateResult,
  Results,
  ServerCpu,
  Skipped,
  StackResults,
} from "./lib/results.ts";
import { isSkipped } from "./lib/results.ts";
import { openEventStream } from "./lib/sse.ts";
import { fmt, median, pct, summarize } from "./lib/stats.ts";
import { freePort } from "../src/cli/free-port.ts";
import { MOCK_BROKER_FETCH_WAIT_MS } from "../src/cli/mock-broker.ts";
import { taxBasisPoints } from "../src/contracts/invoicing/index.ts";
import { computeTotals } from "../src/services/invoicing/domain/money.ts";
import { renderInvoicePdf } from "../src/services/invoicing/pdf/render-invoice.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "no-kafka": { type: "boolean", default: false },
    profile: { type: "boolean" },
    "no-profile": { type: "boolean", default: false },
    out: { type: "string", default: "docs" },
    only: { type: "string" },
    render: { type: "string" },
  },
});
const PARTS = ["embedded", "kafka", "footprint"] as const;
const only = flags.only?.split(",").map((p) => p.trim());
for (const part of only ?? []) {
  if (!(PARTS as readonly string[]).includes(part)) {
    console.error(`--only: unknown part "${part}"; parts: ${PARTS.join(", ")}`);
    process.exit(2);
  }
}
const runs = (part: (typeof PARTS)[number]): boolean => !only || only.includes(part);
const quick = flags.quick ?? false;

/** argon2id as configured by default (src/platform/config.ts): OWASP m=19456 KiB, t=2, p=1. */
const ARGON2 = { memoryKiB: 19456, iterations: 2 };
const PASSWORD = "a long bench password, correct";

const S = quick
  ? {
      users: 40,
      hashSamples: 8,
      limitMs: 3_000,
      loginConnections: 16,
      loginWarmupMs: 500,
      loginMs: 4_000,
      meTokens: 16,
      meConcurrency: [4, 32],
      meSeconds: 2,
      propagation: 20,
      requestReply: 60,
      revocation: 10,
      revocationPollMs: 2,
      revocationWarmup: 2,
      invoiceUsers: 8,
      invoiceConnections: 8,
      invoiceMs: 3_000,
      idleMs: 1_500,
      enumeration: 12,
      forgot: 20,
      gapMs: 30,
      settleMs: 2_000,
      footprintLoadS: 2,
      warmStarts: 1,
      kafkaLogin: false,
      profileMs: 5_000,
    }
  : {
      users: 120,
      hashSamples: 20,
      limitMs: 8_000,
      loginConnections: 16,
      loginWarmupMs: 3_000,
      loginMs: 15_000,
      meTokens: 64,
      meConcurrency: [4, 32],
      meSeconds: 8,
      propagation: 80,
      requestReply: 200,
      revocation: 40,
      revocationPollMs: 2,
      revocationWarmup: 2,
      invoiceUsers: 16,
      invoiceConnections: 16,
      invoiceMs: 15_000,
      idleMs: 3_000,
      enumeration: 40,
      forgot: 60,
      gapMs: 50,
      settleMs: 5_000,
      footprintLoadS: 10,
      warmStarts: 3,
      kafkaLogin: true,
      profileMs: 8_000,
    };
const withKafka = !flags["no-kafka"] && runs("kafka");
const withEmbedded = runs("embedded");
const withFootprint = runs("footprint");
const withProfile = flags["no-profile"] ? false : (flags.profile ?? !quick);

const tmp = mkdtempSync(join(os.tmpdir(), "ledgerline-bench-"));
const runId = randomBytes(4).toString("hex");
const began = performance.now();
const results: Results = {
  mode: quick ? "quick" : "full",
  command: `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  startedAt: new Date().toISOString(),
  durationS: 0,
  machine: describeMachine(),
  loadStart: loadAverage(),
  loadEnd: "",
  profiles: [],
  errors: [],
  settings: {
    ...S,
    kafkaLogin: String(S.kafkaLogin),
    meConcurrency: S.meConcurrency.join(" and "),
    argon2: `m=${ARGON2.memoryKiB} KiB, t=${ARGON2.iterations}, p=1`,
  },
};

// ---- progress ---------------------------------------------------------------------------

const plan: string[] = [];
const step = (name: string, planned = true): string => (planned && plan.push(name), name);
/** Step names; only those of the parts this run measures are in the plan (and numbered). */
const STEPS = {
  limit: step("argon2 limit"),
  embedded: step("embedded stack up", withEmbedded),
  loginSat: step("login embedded @ saturation", withEmbedded),
  loginHalf: step("login embedded @ half load", withEmbedded),
  me: step("GET /me embedded", withEmbedded),
  hello: step("bare Fastify hello-world", withEmbedded),
  helloSecure: step("Fastify hello-world with the gateway's security headers", withEmbedded),
  propagation: step("propagation embedded", withEmbedded),
  rr: step("request-reply embedded", withEmbedded),
  revocation: step("revocation to a second gateway embedded", withEmbedded),
  cost: step("cost per operation embedded", withEmbedded),
  invoices: step("invoices embedded", withEmbedded),
  enumeration: step("enumeration timing gap", withEmbedded),
  profile: step("profile login, GET /me, invoices", withEmbedded && withProfile),
  kafka: step("kafka+postgres stack up", withKafka),
  kLoginSat: step("login kafka @ saturation", withKafka && S.kafkaLogin),
  kLoginHalf: step("login kafka @ half load", withKafka && S.kafkaLogin),
  kPropagation: step("propagation kafka", withKafka),
  kRr: step("request-reply kafka", withKafka),
  kRevocation: step("revocation to a second gateway kafka", withKafka),
  kCost: step("cost per operation kafka", withKafka),
  footprint: step("footprint: ready time and RSS", withFootprint),
};

function progress(name: string, text: string): void {
  const i = plan.indexOf(name) + 1;
  const elapsed = ((performance.now() - began) / 1000).toFixed(0);
  console.log(`[${i}/${plan.length}] ${name} … ${text}  (${elapsed} s)`);
}

/** A step that cannot run: its progress line says why, and so does the report. */
function skipStep(name: string, reason: string): Skipped {
  progress(name, `skipped: ${reason}`);
  return { skipped: reason };
}

async function scenario<T>(
  name: string,
  run: () => Promise<T>,
  describe: (r: T) => string,
): Promise<T | Skipped> {
  try {
    const value = await run();
    progress(name, describe(value));
    return value;
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    results.errors.push(`${name}: ${message}`);
    progress(name, `FAILED: ${message}`);
    if (process.env.BENCH_DEBUG) console.error(error);
    return { skipped: `failed: ${message}` };
  }
}

const rateText = (r: RateResult, unit: string) =>
  `${fmt(r.rate)} ${unit} p50 ${fmt(r.latency.p50)} ms p99 ${fmt(r.latency.p99)} ms${r.failed ? ` (${r.failed} failed)` : ""}`;

function rateResult(load: LoadResult, offered?: number): RateResult {
  return {
    rate: load.rate,
    latency: summarize(load.latencies),
    sent: load.sent,
    ok: load.ok,
    failed: load.failed,
    statuses: load.statuses,
    durationMs: load.elapsedMs,
    tool: load.tool,
    ...(offered !== undefined ? { offered } : {}),
  };
}

// ---- environments -----------------------------------------------------------------------

/** The environment of the processes under test: the embedded defaults unless told otherwise. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith("DATABASE_URL") || key === "KAFKA_BROKERS" || key === "SMTP_URL") delete env[key];
  }
  return {
    ...env,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    PORT: "0",
    LEDGERLINE_SECRET: `bench-secret-${randomBytes(16).toString("hex")}`,
    ARGON2_MEMORY_KIB: String(ARGON2.memoryKiB),
    ARGON2_ITERATIONS: String(ARGON2.iterations),
    REQUEST_TIMEOUT_MS: "60000",
    // Rate limits are not under test: the bench sends thousands of requests from one IP.
    LOGIN_FAILURES_PER_IP_PER_HOUR: "1000000",
    REQUESTS_PER_IP_PER_HOUR: "1000000",
    REQUESTS_PER_EMAIL_PER_HOUR: "1000",
    ...extra,
  };
}

interface Stack {
  readonly child: BenchChild;
  readonly url: string;
  readonly startMs: number;
}

async function startStack(kind: "embedded" | "kafka", env: NodeJS.ProcessEnv): Promise<Stack> {
  const t0 = performance.now();
  const child = BenchChild.start(join(root, "bench/server.ts"), env, join(tmp, `${kind}-server.log`));
  const { url } = await child.ready;
  return { child, url, startMs: performance.now() - t0 };
}

// ---- the limit --------------------------------------------------------------------------

async function argon2Limit(): Promise<LimitResult> {
  const options = { algorithm: 2, memoryCost: ARGON2.memoryKiB, timeCost: ARGON2.iterations, parallelism: 1 };
  const encoded = await hash(PASSWORD, options);
  await verify(encoded, PASSWORD);
  const one: number[] = [];
  for (let i = 0; i < S.hashSamples; i++) {
    const t0 = performance.now();
    await verify(encoded, PASSWORD);
    one.push(performance.now() - t0);
  }
  const concurrency = os.availableParallelism();
  let done = 0;
  const t0 = performance.now();
  const end = t0 + S.limitMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        if (!(await verify(encoded, PASSWORD))) throw new Error("verify failed");
        done++;
      }
    }),
  );
  const elapsed = performance.now() - t0;
  return {
    params: `argon2id m=${ARGON2.memoryKiB} KiB, t=${ARGON2.iterations}, p=1`,
    concurrency,
    perSecond: done / (elapsed / 1000),
    oneHash: summarize(one),
    durationMs: elapsed,
  };
}

// ---- scenarios on a running stack -------------------------------------------------------

async function createUsers(
  stack: Stack,
  prefix: string,
  count: number,
): Promise<{ emails: string[]; ms: number }> {
  const created = await stack.child.call<{ emails: string[]; ms: number }>("createUsers", {
    prefix,
    count,
    password: PASSWORD,
    concurrency: 4,
  });
  await stack.child.call("waitCredentials", { emails: created.emails, timeoutMs: 120_000 });
  return created;
}

const loginRequest =
  (emails: readonly string[]) =>
  (i: number): BenchRequest => ({
    method: "POST",
    path: "/api/v1/login",
    headers: { "user-agent": "ledgerline-bench" },
    body: { email: emails[i % emails.length], password: PASSWORD },
  });

async function loginSaturation(stack: Stack, emails: readonly string[]): Promise<RateResult> {
  const load = await closedLoop({
    base: stack.url,
    connections: S.loginConnections,
    warmupMs: S.loginWarmupMs,
    durationMs: S.loginMs,
    next: loginRequest(emails),
    expect: 200,
  });
  return rateResult(load);
}

async function loginHalf(stack: Stack, emails: readonly string[], saturation: number): Promise<RateResult> {
  const rate = Math.max(0.5, saturation / 2);
  const offset = Math.floor(emails.length / 2);
  const load = await openLoop({
    base: stack.url,
    rate,
    durationMs: S.loginMs,
    next: (i) => loginRequest(emails)(i + offset),
    expect: 200,
  });
  return rateResult(load, rate);
}

async function tokensFor(stack: Stack, emails: readonly string[]): Promise<string[]> {
  const client = new LoopbackClient(stack.url, 8);
  const tokens: string[] = [];
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < emails.length) {
          const email = emails[next++]!;
          const answer = await client.send({
            method: "POST",
            path: "/api/v1/login",
            body: { email, password: PASSWORD },
          });
          if (answer.status !== 200)
            throw new Error(`login of ${email} answered ${answer.status}: ${answer.body}`);
          tokens.push((JSON.parse(answer.body) as { token: string }).token);
        }
      }),
    );
  } finally {
    client.close();
  }
  return tokens;
}

/** Closed-loop throughput at each concurrency in S.meConcurrency; the best run is the figure. */
async function bestOf(
  url: string,
  tokens: readonly string[],
  serverPid: number | undefined,
): Promise<RateResult> {
  let best: RateResult | undefined;
  const runs: { connections: number; rate: number; p99: number; server?: ServerCpu }[] = [];
  for (const connections of S.meConcurrency) {
    const before = serverPid === undefined ? undefined : cpuSeconds(serverPid);
    const load = await autocannonLoad({ url, connections, durationSec: S.meSeconds, tokens });
    const after = serverPid === undefined ? undefined : cpuSeconds(serverPid);
    const server: ServerCpu | undefined =
      before !== undefined && after !== undefined && load.ok > 0
        ? {
            usPerRequest: ((after - before) * 1e6) / load.ok,
            busy: (after - before) / (load.elapsedMs / 1000),
          }
        : undefined;
    const run: RateResult = { ...rateResult(load), ...(server ? { server } : {}) };
    runs.push({ connections, rate: run.rate, p99: run.latency.p99, ...(server ? { server } : {}) });
    if (!best || run.rate > best.rate) best = run;
  }
  return { ...best!, runs };
}

async function meLoad(stack: Stack, tokens: readonly string[]): Promise<RateResult> {
  // Warm-up, one request per token in turn: fills the gateway's session cache (one get-session
  // per token) and the JIT without leaving a burst of requests queued in the server.
  const client = new LoopbackClient(stack.url, 1);
  try {
    for (const token of tokens) {
      await client.send({ method: "GET", path: "/api/v1/me", headers: { authorization: `Bearer ${token}` } });
    }
  } finally {
    client.close();
  }
  return bestOf(`${stack.url}/api/v1/me`, tokens, stack.child.process.pid);
}

/** A hello-world yardstick: `/hello` (bare) or `/api/hello` (with the security headers of the gateway's /api/ answers). */
async function helloLoad(path: string): Promise<RateResult> {
  const child = BenchChild.start(join(root, "bench/hello.ts"), baseEnv({}), join(tmp, "hello.log"));
  try {
    const { url } = await child.ready;
    const tokens = ["bench-token-for-equal-work"];
    await autocannonLoad({ url: `${url}${path}`, connections: 8, durationSec: 1, tokens });
    return await bestOf(`${url}${path}`, tokens, child.process.pid);
  } finally {
    await child.stop();
  }
}

async function propagation(stack: Stack, prefix: string, samples: number) {
  const { samples: ms } = await stack.child.call<{ samples: number[] }>("propagation", {
    prefix,
    samples,
    password: PASSWORD,
  });
  return summarize(ms);
}

async function requestReply(stack: Stack, samples: number) {
  const { samples: ms } = await stack.child.call<{ samples: number[] }>("requestReply", {
    samples,
    warmup: 30,
  });
  return summarize(ms);
}

/** A logout on the gateway under test reaching a second gateway that has the session cached. */
async function revocation(stack: Stack, emails: readonly string[], samples: number) {
  const warmup = S.revocationWarmup;
  if (emails.length < warmup + samples)
    throw new Error(`needs ${warmup + samples} users, has ${emails.length}`);
  const { samples: ms } = await stack.child.call<{ samples: number[] }>("revocation", {
    emails: emails.slice(0, warmup + samples),
    password: PASSWORD,
    warmup,
    pollMs: S.revocationPollMs,
  });
  return summarize(ms);
}

interface Counters {
  statements: number;
  transactions: number;
  byKind: Record<string, number>;
  cpuMs: number;
  at: number;
}

/** Kinds of statement an idle platform issues on its own (polling), subtracted from each operation. */
const POLLING = new Set(["log fetch", "outbox lease", "outbox relay select"]);

/**
 * What one operation costs the process under test, independent of how busy the machine is:
 * database statements by kind and CPU time (every thread: argon2 included), measured over a few
 * sequential operations on an otherwise idle platform, with the idle rate of polling subtracted.
 */
async function cost(stack: Stack, emails: readonly string[], token: string | undefined): Promise<CostResult> {
  const read = (counting?: boolean) =>
    stack.child.call<Counters>("counters", counting === undefined ? {} : { counting });
  await read(true);
  try {
    const i0 = await read();
    await sleep(S.idleMs);
    const i1 = await read();
    const idleS = (i1.at - i0.at) / 1000;
    const idleKinds = Object.fromEntries(
      Object.keys(i1.byKind).map((k) => [k, ((i1.byKind[k] ?? 0) - (i0.byKind[k] ?? 0)) / idleS]),
    );
    const idle = {
      statements: (i1.statements - i0.statements) / idleS,
      cpuShare: (i1.cpuMs - i0.cpuMs) / 1000 / idleS,
      byKind: idleKinds,
    };
    const rows: CostRow[] = [];
    const measure = async (name: string, ops: number, run: () => Promise<void>) => {
      const b0 = await read();
      await run();
      const b1 = await read();
      const s = (b1.at - b0.at) / 1000;
      const byKind: Record<string, number> = {};
      let statements = 0;
      for (const k of new Set([...Object.keys(b1.byKind), ...Object.keys(b0.byKind)])) {
        let n = (b1.byKind[k] ?? 0) - (b0.byKind[k] ?? 0);
        if (POLLING.has(k)) n = Math.max(0, n - (idleKinds[k] ?? 0) * s);
        if (n / ops >= 0.05) byKind[k] = n / ops;
        statements += n / ops;
      }
      rows.push({
        name,
        ops,
        wallMs: (s * 1000) / ops,
        statements,
        transactions: (b1.transactions - b0.transactions) / ops,
        cpuMs: (b1.cpuMs - b0.cpuMs) / ops,
        netCpuMs: Math.max(0, b1.cpuMs - b0.cpuMs - idle.cpuShare * s * 1000) / ops,
        byKind,
      });
    };
    const client = new LoopbackClient(stack.url, 1);
    try {
      // Forty, round robin over the users given: with ten, one slow hash or a late consumer
      // moved the per-login CPU by a third from run to run.
      const logins = emails.length > 0 ? 40 : 0;
      if (logins > 0) {
        await measure("login (correct password)", logins, async () => {
          for (let i = 0; i < logins; i++) {
            const answer = await client.send(loginRequest(emails)(i));
            if (answer.status !== 200) throw new Error(`login answered ${answer.status}`);
          }
        });
      }
      if (token) {
        const me = { method: "GET", path: "/api/v1/me", headers: { authorization: `Bearer ${token}` } };
        await client.send(me);
        await measure("GET /api/v1/me (session cached)", 50, async () => {
          for (let i = 0; i < 50; i++) {
            const answer = await client.send(me);
            if (answer.status !== 200) throw new Error(`GET /me answered ${answer.status}`);
          }
        });
      }
      if (token) {
        // The whole pipeline of one invoice at a time: the command, the render worker, the
        // event to the page, and what scoring does with it (the settle counts it in).
        const events = await invoiceEvents(stack.url, [token]);
        const invoicesCounted = 10;
        const invoice = async () => {
          const answer = await client.send({
            method: "POST",
            path: "/api/v1/invoices",
            headers: { authorization: `Bearer ${token}` },
            body: invoiceBody,
          });
          if (answer.status !== 202) throw new Error(`POST /invoices answered ${answer.status}`);
          await events.generatedAt(String((JSON.parse(answer.body) as { id: string }).id));
        };
        try {
          // The first invoice starts invoicing's PDF render thread (it stops after minutes idle).
          await measure("first invoice (starts the PDF render thread)", 1, async () => {
            await invoice();
            await sleep(300);
          });
          await measure("invoice (POST → invoice.generated)", invoicesCounted, async () => {
            for (let i = 0; i < invoicesCounted; i++) await invoice();
            await sleep(300);
          });
        } finally {
          events.close();
        }
      }
    } finally {
      client.close();
    }
    await measure("bench.echo request-reply", 50, async () => {
      await stack.child.call("requestReply", { samples: 50, warmup: 0 });
    });
    return { idle, rows };
  } finally {
    await read(false);
  }
}

const costText = (c: CostResult) =>
  `idle ${fmt(c.idle.statements)} statements/s, ${pct(c.idle.cpuShare)} CPU; ` +
  c.rows.map((r) => `${r.name.split(" ")[0]} ${fmt(r.statements)} st, ${fmt(r.cpuMs)} ms CPU`).join("; ");

const invoiceBody = {
  customer: { name: "Ada Lovelace", email: "ada@example.test", address: "12 St James's Square, London" },
  items: [
    { description: "Analytical engine consulting", quantity: 3, unitPriceCents: 12_500 },
    { description: "Punched cards", quantity: 200, unitPriceCents: 5 },
    { description: "Notes on the engine, translation", quantity: 1, unitPriceCents: 99_900 },
  ],
  currency: "EUR",
  taxRatePercent: 19,
};

/**
 * The `invoice.generated` events of some users' event streams: `generatedAt(id)` resolves with
 * when (performance.now()) the invoice's event arrived, whether before or after it is asked.
 */
async function invoiceEvents(
  url: string,
  tokens: readonly string[],
): Promise<{ generatedAt(id: string): Promise<number>; close(): void }> {
  const arrived = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  const streams = await Promise.all(
    tokens.map((token) =>
      openEventStream(url, token, (event) => {
        if (event.event !== "invoice.generated") return;
        const id = String(event.data.invoiceId);
        const waiter = waiting.get(id);
        if (waiter) waiter(event.at);
        else arrived.set(id, event.at);
      }),
    ),
  );
  return {
    generatedAt(id) {
      const at = arrived.get(id);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolveAt, reject) => {
        const timer = setTimeout(() => reject(new Error(`invoice ${id} not generated within 60 s`)), 60_000);
        waiting.set(id, (t) => {
          clearTimeout(timer);
          resolveAt(t);
        });
      });
    },
    close: () => streams.forEach((stream) => stream.close()),
  };
}

/**
 * CPU of rendering the bench's invoice to PDF with nothing else going on (pdfkit, as the render
 * thread calls it, in this process): the share of an invoice's cost taken off the main thread.
 */
async function renderCpuMs(): Promise<number> {
  const basisPoints = taxBasisPoints(invoiceBody.taxRatePercent)!;
  const totals = computeTotals(invoiceBody.items, basisPoints);
  const document = {
    number: "2026-000001",
    issueDate: "2026-12-01",
    dueDate: null,
    currency: invoiceBody.currency,
    taxBasisPoints: basisPoints,
    customer: invoiceBody.customer,
    items: invoiceBody.items.map((item, i) => ({ ...item, amountCents: totals.lines[i] ?? 0 })),
    subtotalCents: totals.subtotalCents,
    taxCents: totals.taxCents,
    totalCents: totals.totalCents,
  };
  const seller = { fullName: "Bench Seller", email: "seller@bench.test", address: "1 Bench Road" };
  const runs: number[] = [];
  for (let round = 0; round < 6; round++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < 50; i++) await renderInvoicePdf(document, seller);
    const c = process.cpuUsage(c0);
    if (round > 0) runs.push((c.user + c.system) / 1000 / 50);
  }
  return median(runs);
}

/**
 * Invoices through the whole pipeline: each of `invoiceConnections` workers posts an invoice and
 * waits for its `invoice.generated` on the user's event stream before posting the next, so the
 * figure is end-to-end throughput with a bounded number in flight (no unbounded backlog).
 */
async function invoices(
  stack: Stack,
  tokens: readonly string[],
  durationMs = S.invoiceMs,
): Promise<InvoiceResult> {
  const users = tokens.slice(0, S.invoiceUsers);
  const events = await invoiceEvents(stack.url, users);
  const client = new LoopbackClient(stack.url, S.invoiceConnections);
  let accepted = 0;
  let failed = 0;
  let seq = 0;
  const latencies: number[] = [];
  const first = performance.now();
  const end = first + durationMs;
  let last = first;
  try {
    await Promise.all(
      Array.from({ length: S.invoiceConnections }, async () => {
        while (performance.now() < end) {
          const token = users[seq++ % users.length]!;
          const t0 = performance.now();
          const answer = await client.send({
            method: "POST",
            path: "/api/v1/invoices",
            headers: { authorization: `Bearer ${token}` },
            body: invoiceBody,
          });
          if (answer.status !== 202) {
            failed++;
            continue;
          }
          accepted++;
          const at = await events.generatedAt(String((JSON.parse(answer.body) as { id: string }).id));
          latencies.push(at - t0);
          last = Math.max(last, at);
        }
      }),
    );
    if (failed) results.errors.push(`invoices: ${failed} POSTs not accepted`);
    return {
      perSecond: latencies.length / ((last - first) / 1000),
      accepted,
      generated: latencies.length,
      latency: summarize(latencies),
      users: users.length,
      connections: S.invoiceConnections,
      windowMs: last - first,
      renderCpuMs: await renderCpuMs(),
    };
  } finally {
    client.close();
    events.close();
  }
}

/** Median time of a wrong-password login (or forgot-password) for known vs unknown emails. */
async function timingGap(
  stack: Stack,
  known: readonly string[],
  samples: number,
  request: (email: string) => BenchRequest,
  expect: number,
  prefix: string,
): Promise<EnumerationResult> {
  const client = new LoopbackClient(stack.url, 1);
  const k: number[] = [];
  const u: number[] = [];
  const time = async (email: string, into: number[]) => {
    const t0 = performance.now();
    const answer = await client.send(request(email));
    const ms = performance.now() - t0;
    if (answer.status !== expect)
      throw new Error(`expected ${expect}, got ${answer.status}: ${answer.body.slice(0, 200)}`);
    into.push(ms);
  };
  try {
    // Warm both paths; then each pair in a random order, every request on a settled platform
    // (a known email's forgot-password sets off mail work in the background).
    await time(known[known.length - 1]!, []);
    await time(`${prefix}-warm@bench.test`, []);
    let seed = 42;
    const coin = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) & 1024) === 0;
    for (let i = 0; i < samples; i++) {
      const pair: [string, number[]][] = [
        [known[i % known.length]!, k],
        [`${prefix}-${i}@bench.test`, u],
      ];
      if (coin()) pair.reverse();
      for (const [email, into] of pair) {
        await sleep(S.gapMs);
        await time(email, into);
      }
    }
  } finally {
    client.close();
  }
  return { samples, known: summarize(k), unknown: summarize(u), gapMs: Math.abs(median(k) - median(u)) };
}

async function profile(stack: Stack, emails: readonly string[], tokens: readonly string[]): Promise<string> {
  const dir = join(os.tmpdir(), `ledgerline-bench-profiles-${runId}`);
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  await stack.child.call("profileStart");
  const login = await closedLoop({
    base: stack.url,
    connections: S.loginConnections,
    durationMs: S.profileMs,
    next: loginRequest(emails),
    expect: 200,
  });
  const loginFile = await stack.child.call<string>("profileStop", { file: join(dir, "login.cpuprofile") });
  results.profiles.push({
    name: `login @ saturation (${fmt(login.rate)} logins/s while profiled)`,
    summary: summarizeProfile(loginFile),
  });
  out.push(loginFile);
  await stack.child.call("profileStart");
  const me = await autocannonLoad({
    url: `${stack.url}/api/v1/me`,
    connections: 32,
    durationSec: Math.round(S.profileMs / 1000),
    tokens,
  });
  const meFile = await stack.child.call<string>("profileStop", { file: join(dir, "me.cpuprofile") });
  results.profiles.push({
    name: `GET /api/v1/me (${fmt(me.rate)} req/s while profiled)`,
    summary: summarizeProfile(meFile),
  });
  out.push(meFile);
  await stack.child.call("profileStart");
  const inv = await invoices(stack, tokens, S.profileMs);
  const invFile = await stack.child.call<string>("profileStop", { file: join(dir, "invoices.cpuprofile") });
  results.profiles.push({
    name: `invoices (${fmt(inv.perSecond)} invoices/s while profiled)`,
    summary: summarizeProfile(invFile),
  });
  out.push(invFile);
  return dir;
}

// ---- footprint: `npm start` as a person runs it -----------------------------------------

async function startLedgerline(
  env: NodeJS.ProcessEnv,
  log: string,
): Promise<{ child: ChildProcess; readyMs: number }> {
  const fd = openSync(log, "a");
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, "bin/ledgerline.js"), "start"], {
    cwd: root,
    env,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const url = `http://127.0.0.1:${env.PORT}/readyz`;
  const deadline = t0 + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ledgerline exited with ${child.exitCode}; see ${log}`);
    try {
      const response = await fetch(url);
      if (response.status === 200) return { child, readyMs: performance.now() - t0 };
    } catch {
      // Not listening yet.
    }
    if (performance.now() > deadline) throw new Error("ledgerline was not ready within 120 s");
    await sleep(20);
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await gone;
  clearTimeout(timer);
}

function nodeRss(script: string, env: NodeJS.ProcessEnv = process.env): number {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: root,
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  return Number(out.trim().split("\n").pop()) / 2 ** 20;
}

async function footprint(): Promise<FootprintResult> {
  const dataDir = join(tmp, "footprint-data");
  const admin = { email: "bench-admin@bench.test", password: PASSWORD };
  const env = baseEnv({
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    LEDGERLINE_ADMIN_EMAIL: admin.email,
    LEDGERLINE_ADMIN_PASSWORD: admin.password,
  });
  delete env.NODE_ENV;
  const log = join(tmp, "footprint.log");
  // A start that fails is reported; one more try keeps a starved machine from losing the figures.
  const start = async (what: string) => {
    try {
      return await startLedgerline(env, log);
    } catch (error) {
      results.errors.push(`footprint: ${what} start failed, tried again: ${String(error)}`);
      return startLedgerline(env, log);
    }
  };
  const cold = await start("first");
  await sleep(1_000);
  await stopProcess(cold.child);
  const warm = await start("warm");
  const pid = warm.child.pid!;
  try {
    await sleep(1_000);
    const cpu0 = cpuSeconds(pid) ?? Number.NaN;
    const t0 = performance.now();
    await sleep(S.settleMs);
    const idleCpuShare = ((cpuSeconds(pid) ?? Number.NaN) - cpu0) / ((performance.now() - t0) / 1000);
    const idle = rssMiB(pid) ?? Number.NaN;
    const base = `http://127.0.0.1:${env.PORT}`;
    const client = new LoopbackClient(base, 4);
    let token = "";
    for (let i = 0; i < 100 && !token; i++) {
      const answer = await client.send({ method: "POST", path: "/api/v1/login", body: admin });
      if (answer.status === 200) token = (JSON.parse(answer.body) as { token: string }).token;
      else await sleep(100);
    }
    client.close();
    if (!token) throw new Error("the bootstrap admin could not log in");
    let peak = idle;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(pid) ?? 0);
    }, 100);
    try {
      await Promise.all([
        autocannonLoad({
          url: `${base}/api/v1/me`,
          connections: 16,
          durationSec: S.footprintLoadS,
          tokens: [token],
        }),
        closedLoop({
          base,
          connections: 4,
          durationMs: S.footprintLoadS * 1000,
          next: () => ({ method: "POST", path: "/api/v1/login", body: admin }),
          expect: 200,
        }),
      ]);
    } finally {
      clearInterval(sampler);
    }
    await stopProcess(warm.child);
    // One start is one sample of a noisy figure: the target is held against the median of a few.
    const warmReadyMs = [warm.readyMs];
    while (warmReadyMs.length < S.warmStarts) {
      const again = await start("warm");
      warmReadyMs.push(again.readyMs);
      await stopProcess(again.child);
    }
    const pgliteAlone = nodeRss(
      `import { PGlite } from "@electric-sql/pglite";
       const pg = await PGlite.create(process.env.BENCH_PGLITE_DIR);
       await pg.query("select count(*) from pg_namespace");
       await new Promise((r) => setTimeout(r, ${S.settleMs}));
       console.log(process.memoryUsage().rss);
       await pg.close();`,
      { ...process.env, BENCH_PGLITE_DIR: join(dataDir, "pglite") },
    );
    const emptyNode = nodeRss(
      `await new Promise((r) => setTimeout(r, 500)); console.log(process.memoryUsage().rss);`,
    );
    return {
      readyMs: median(warmReadyMs),
      warmReadyMs,
      coldReadyMs: cold.readyMs,
      idleRssMiB: idle,
      idleCpuShare,
      loadRssMiB: peak,
      loadDescription: `peak over ${S.footprintLoadS} s of GET /me (autocannon, 16 connections) plus 4 concurrent logins`,
      pgliteAloneMiB: pgliteAlone,
      emptyNodeMiB: emptyNode,
    };
  } finally {
    await stopProcess(warm.child);
  }
}

// ---- the run ----------------------------------------------------------------------------

async function embeddedRuns(): Promise<void> {
  const started = await scenario(
    STEPS.embedded,
    async () => {
      const stack = await startStack("embedded", baseEnv({ DATA_DIR: join(tmp, "embedded-data") }));
      const users = await createUsers(stack, `emb-${runId}`, S.users);
      return { stack, users };
    },
    ({ stack, users }) =>
      `up in ${fmt(stack.startMs / 1000)} s; ${users.emails.length} users in ${fmt(users.ms / 1000)} s (${stack.url})`,
  );
  if (isSkipped(started)) {
    results.embedded = started;
    return;
  }
  const { stack, users } = started;
  const emails = users.emails;
  const r: StackResults = {
    kind: "embedded",
    note: "PGlite in DATA_DIR on disk, the embedded log, every service in one process (npm start's defaults)",
    startMs: stack.startMs,
    users: emails.length,
    usersMs: users.ms,
  };
  results.embedded = r;
  try {
    r.loginSaturation = await scenario(
      STEPS.loginSat,
      () => loginSaturation(stack, emails),
      (x) => rateText(x, "logins/s"),
    );
    const sat = isSkipped(r.loginSaturation) ? undefined : r.loginSaturation.rate;
    r.loginHalf = sat
      ? await scenario(
          STEPS.loginHalf,
          () => loginHalf(stack, emails, sat),
          (x) => `offered ${fmt(x.offered)}/s: ${rateText(x, "logins/s")}`,
        )
      : skipStep(STEPS.loginHalf, "no saturation figure");
    const tokens = await tokensFor(stack, emails.slice(0, S.meTokens)).catch((error: unknown) => {
      results.errors.push(`tokens: ${String(error)}`);
      return [] as string[];
    });
    r.me = tokens.length
      ? await scenario(
          STEPS.me,
          () => meLoad(stack, tokens),
          (x) => rateText(x, "req/s"),
        )
      : skipStep(STEPS.me, "no session tokens");
    results.hello = await scenario(
      STEPS.hello,
      () => helloLoad("/hello"),
      (x) => rateText(x, "req/s"),
    );
    results.helloSecure = await scenario(
      STEPS.helloSecure,
      () => helloLoad("/api/hello"),
      (x) => rateText(x, "req/s"),
    );
    r.propagation = await scenario(
      STEPS.propagation,
      () => propagation(stack, `prop-${runId}`, S.propagation),
      (x) => `p50 ${fmt(x.p50)} ms p99 ${fmt(x.p99)} ms (${x.count} signups)`,
    );
    r.requestReply = await scenario(
      STEPS.rr,
      () => requestReply(stack, S.requestReply),
      (x) => `p50 ${fmt(x.p50)} ms p99 ${fmt(x.p99)} ms (${x.count} round trips)`,
    );
    r.revocation = await scenario(
      STEPS.revocation,
      () => revocation(stack, emails, S.revocation),
      (x) => `p50 ${fmt(x.p50)} ms p99 ${fmt(x.p99)} ms (${x.count} logouts)`,
    );
    r.cost = await scenario(STEPS.cost, () => cost(stack, emails.slice(-10), tokens[0]), costText);
    r.invoices = tokens.length
      ? await scenario(
          STEPS.invoices,
          () => invoices(stack, tokens),
          (x) =>
            `${fmt(x.perSecond)} invoices/s (${x.generated} generated) p50 ${fmt(x.latency.p50)} ms p99 ${fmt(x.latency.p99)} ms`,
        )
      : skipStep(STEPS.invoices, "no session tokens");
    const gap = await scenario(
      STEPS.enumeration,
      async () => {
        const login = await timingGap(
          stack,
          emails.slice(S.meTokens),
          S.enumeration,
          (email) => ({
            method: "POST",
            path: "/api/v1/login",
            body: { email, password: "not the password, long enough" },
          }),
          401,
          `ghost-${runId}`,
        );
        const forgot = await timingGap(
          stack,
          emails,
          S.forgot,
          (email) => ({ method: "POST", path: "/api/v1/password/forgot", body: { email } }),
          202,
          `nobody-${runId}`,
        );
        return { login, forgot };
      },
      ({ login, forgot }) =>
        `login gap ${fmt(login.gapMs)} ms (known ${fmt(login.known.p50)} / unknown ${fmt(login.unknown.p50)}), forgot gap ${fmt(forgot.gapMs)} ms`,
    );
    results.enumerationLogin = isSkipped(gap) ? gap : gap.login;
    results.enumerationForgot = isSkipped(gap) ? gap : gap.forgot;
    if (withProfile) {
      await scenario(
        STEPS.profile,
        () => profile(stack, emails, tokens),
        (dir) => `CPU and allocation profiles in ${dir}`,
      );
    }
  } finally {
    await stack.child.stop();
  }
}

async function kafkaRuns(): Promise<void> {
  const pg = await resolvePostgres();
  const broker = await BenchBroker.open(root, tmp).catch((error: unknown) => ({
    note: `mock broker did not start: ${String(error)}`,
    broker: undefined,
    brokers: undefined,
  }));
  const prefix = `bench_${runId}_`;
  const skip = (reason: string) => {
    results.kafka = { skipped: reason };
    for (const name of [
      STEPS.kafka,
      STEPS.kLoginSat,
      STEPS.kLoginHalf,
      STEPS.kPropagation,
      STEPS.kRr,
      STEPS.kCost,
    ]) {
      if (plan.includes(name)) progress(name, `skipped: ${reason}`);
    }
  };
  try {
    if (!pg.url) return skip(pg.note);
    if (!broker.brokers) return skip(broker.note);
    const env = baseEnv({
      KAFKA_BROKERS: broker.brokers,
      // Unless KAFKA_FETCH_WAIT_MS says otherwise, the mock's wait (see MOCK_BROKER_FETCH_WAIT_MS).
      KAFKA_FETCH_WAIT_MS: process.env.KAFKA_FETCH_WAIT_MS ?? String(MOCK_BROKER_FETCH_WAIT_MS),
      DATABASE_URL: pg.url,
      KAFKA_CLIENT_ID: `bench-${runId}`,
      BENCH_SCHEMA_PREFIX: prefix,
      DATA_DIR: join(tmp, "kafka-data"),
    });
    const started = await scenario(
      STEPS.kafka!,
      async () => {
        const stack = await startStack("kafka", env);
        const users = await createUsers(stack, `kfk-${runId}`, S.kafkaLogin ? S.users : 10);
        // Before any scenario adds a second gateway's subscriptions.
        const groups = await stack.child.call<number>("consumerGroups");
        return { stack, users, groups };
      },
      ({ stack, users, groups }) =>
        `up in ${fmt(stack.startMs / 1000)} s; ${users.emails.length} users in ${fmt(users.ms / 1000)} s; ${groups} consumer groups`,
    );
    if (isSkipped(started)) {
      results.kafka = started;
      return;
    }
    const { stack, users, groups } = started;
    const r: StackResults = {
      kind: "kafka+postgres",
      note: `${broker.note}; ${pg.note}; every service in one process, one consumer per subscription, KAFKA_FETCH_WAIT_MS=${env.KAFKA_FETCH_WAIT_MS}`,
      startMs: stack.startMs,
      users: users.emails.length,
      usersMs: users.ms,
      fetchWaitMs: Number(env.KAFKA_FETCH_WAIT_MS),
      consumerGroups: groups,
    };
    results.kafka = r;
    try {
      if (S.kafkaLogin) {
        r.loginSaturation = await scenario(
          STEPS.kLoginSat,
          () => loginSaturation(stack, users.emails),
          (x) => rateText(x, "logins/s"),
        );
        const sat = isSkipped(r.loginSaturation) ? undefined : r.loginSaturation.rate;
        r.loginHalf = sat
          ? await scenario(
              STEPS.kLoginHalf,
              () => loginHalf(stack, users.emails, sat),
              (x) => `offered ${fmt(x.offered)}/s: ${rateText(x, "logins/s")}`,
            )
          : skipStep(STEPS.kLoginHalf, "no saturation figure");
      } else {
        r.loginSaturation = { skipped: "not run with --quick" };
        r.loginHalf = { skipped: "not run with --quick" };
      }
      r.propagation = await scenario(
        STEPS.kPropagation!,
        () => propagation(stack, `kprop-${runId}`, Math.round(S.propagation / 2)),
        (x) => `p50 ${fmt(x.p50)} ms p99 ${fmt(x.p99)} ms (${x.count} signups)`,
      );
      r.requestReply = await scenario(
        STEPS.kRr!,
        () => requestReply(stack, S.requestReply),
        (x) => `p50 ${fmt(x.p50)} ms p99 ${fmt(x.p99)} ms (${x.count} round trips)`,
      );
      r.revocation = await scenario(
        STEPS.kRevocation!,
        () => revocation(stack, users.emails, Math.round(S.revocation / 2)),
        (x) => `p50 ${fmt(x.p50)} ms p99 ${fmt(x.p99)} ms (${x.count} logouts)`,
      );
      const token = users.emails.length ? (await tokensFor(stack, users.emails.slice(0, 1)))[0] : undefined;
      r.cost = await scenario(STEPS.kCost!, () => cost(stack, users.emails.slice(-10), token), costText);
      r.me = { skipped: "measured on the embedded defaults only" };
      r.invoices = { skipped: "measured on the embedded defaults only" };
    } finally {
      await stack.child.stop();
    }
  } finally {
    await broker.broker?.stop();
    if (pg.url) await dropSchemas(pg.url, prefix).catch(() => 0);
  }
}

/** --render: the report of an earlier run, from the figures it saved. */
function render(file: string): void {
  let saved: Results | undefined;
  let problem = "not the results.json of a bench run";
  try {
    saved = JSON.parse(readFileSync(resolve(file), "utf8")) as Results;
  } catch (error) {
    problem = (error as Error).message;
  }
  if (typeof saved?.mode !== "string" || typeof saved.machine?.nproc !== "number") {
    console.error(`--render ${file}: ${problem}`);
    process.exitCode = 2;
    return;
  }
  const { summary, files } = writeReport(saved, resolve(root, flags.out ?? "docs"));
  console.log(
    `${summary}\nwrote ${files.map((f) => relative(root, f)).join(", ")} from ${file} (measured nothing)`,
  );
}

async function main(): Promise<void> {
  if (flags.render) return render(flags.render);
  console.log(
    `ledgerline bench (${results.mode}) on ${results.machine.nproc} × ${results.machine.cpu}, node ${results.machine.node}; load average ${results.loadStart}`,
  );
  results.limit = await scenario(
    STEPS.limit,
    argon2Limit,
    (x) =>
      `${fmt(x.perSecond)} verifications/s on ${x.concurrency} threads; one hash ${fmt(x.oneHash.p50)} ms`,
  );
  if (withEmbedded) await embeddedRuns();
  else results.embedded = { skipped: `--only ${flags.only}` };
  if (withKafka) await kafkaRuns();
  else results.kafka = { skipped: flags["no-kafka"] ? "--no-kafka" : `--only ${flags.only}` };
  results.footprint = withFootprint
    ? await scenario(
        STEPS.footprint,
        footprint,
        (x) =>
          `ready in ${fmt(x.readyMs / 1000)} s (warm); RSS idle ${fmt(x.idleRssMiB)} MiB, under load ${fmt(x.loadRssMiB)} MiB; PGlite alone ${fmt(x.pgliteAloneMiB)} MiB`,
      )
    : { skipped: `--only ${flags.only}` };
  results.loadEnd = loadAverage();
  results.durationS = (performance.now() - began) / 1000;
  const outDir = resolve(root, flags.out ?? "docs");
  const { summary, files } = writeReport(results, outDir);
  console.log(`\n${summary}`);
  console.log(
    `wrote ${files.map((f) => relative(root, f)).join(", ")} in ${fmt(results.durationS)} s; load average ${results.loadEnd}`,
  );
}

try {
  await main();
} finally {
  if (results.errors.length) {
    console.log(`errors (logs kept in ${tmp}):\n  ${results.errors.join("\n  ")}`);
  } else {
    rmSync(tmp, { recursive: true, force: true });
  }
}
