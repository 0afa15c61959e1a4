import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";

/** One HTTP request the load generator sends. */
export interface BenchRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** What a load run measured. Latencies are milliseconds, of the answers counted in `ok`. */
export interface LoadResult {
  readonly elapsedMs: number;
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly statuses: Record<string, number>;
  readonly latencies: number[];
  /** Answers with the expected status per second of the measured window. */
  readonly rate: number;
  readonly tool: string;
}

/** A keep-alive client for 127.0.0.1 only: the load never leaves the loopback interface. */
export class LoopbackClient {
  readonly agent: http.Agent;
  private readonly port: number;

  constructor(base: string, maxSockets: number) {
    const url = new URL(base);
    if (url.hostname !== "127.0.0.1") throw new Error(`load targets 127.0.0.1 only, not ${url.hostname}`);
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  send(request: BenchRequest, timeoutMs = 60_000): Promise<Answer> {
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: this.port,
          method: request.method,
          path: request.path,
          agent: this.agent,
          headers: {
            ...(payload !== undefined
              ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
              : {}),
            ...request.headers,
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("utf8"),
              headers: res.headers,
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function tally(statuses: Record<string, number>, key: string): void {
  statuses[key] = (statuses[key] ?? 0) + 1;
}

/**
 * Closed loop: `connections` workers each send the next request as soon as the previous one is
 * answered, for `durationMs` after a warm-up. Counts answers that complete inside the window.
 */
export async function closedLoop(options: {
  base: string;
  connections: number;
  durationMs: number;
  warmupMs?: number;
  next: (i: number) => BenchRequest;
  expect: number;
}): Promise<LoadResult> {
  const client = new LoopbackClient(options.base, options.connections);
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let seq = 0;
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const begin = performance.now();
  const windowStart = begin + (options.warmupMs ?? 0);
  const windowEnd = windowStart + options.durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < windowEnd) {
      const request = options.next(seq++);
      const t0 = performance.now();
      let status: string;
      try {
        status = String((await client.send(request)).status);
      } catch {
        status = "error";
      }
      const t1 = performance.now();
      if (t0 < windowStart || t1 > windowEnd) continue;
      sent++;
      tally(statuses, status);
      if (status === String(options.expect)) {
        ok++;
        latencies.push(t1 - t0);
      } else failed++;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, worker));
  } finally {
    client.close();
  }
  return {
    elapsedMs: options.durationMs,
    sent,
    ok,
    failed,
    statuses,
    latencies,
    rate: ok / (options.durationMs / 1000),
    tool: `node:http closed loop, ${options.connections} connections`,
  };
}

/**
 * Open loop at a fixed rate: request k is due at start + k/rate whether or not earlier ones were
 * answered, and its latency counts from when it was due (no coordinated omission).
 */
export async function openLoop(options: {
  base: string;
  rate: number;
  durationMs: number;
  next: (i: number) => BenchRequest;
  expect: number;
  maxSockets?: number;
}): Promise<LoadResult> {
  const client = new LoopbackClient(options.base, options.maxSockets ?? 256);
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const total = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const interval = 1000 / options.rate;
  let ok = 0;
  let failed = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now() + 5;
  for (let k = 0; k < total; k++) {
    const due = start + k * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const request = options.next(k);
    inFlight.push(
      client.send(request).then(
        (answer) => {
          const status = String(answer.status);
          tally(statuses, status);
          if (answer.status === options.expect) {
            ok++;
            latencies.push(performance.now() - due);
          } else failed++;
        },
        () => {
          tally(statuses, "error");
          failed++;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsed = performance.now() - start;
  client.close();
  return {
    elapsedMs: elapsed,
    sent: total,
    ok,
    failed,
    statuses,
    latencies,
    rate: ok / (elapsed / 1000),
    tool: `node:http open loop at ${options.rate.toFixed(1)}/s`,
  };
}

/** Closed loop with autocannon (fast enough to load a bare Fastify on one core); latency of every answer. */
export function autocannonLoad(options: {
  url: string;
  connections: number;
  durationSec: number;
  /** One bearer token per request, round robin (the same per-request work for every target). */
  tokens?: readonly string[];
  pipelining?: number;
}): Promise<LoadResult> {
  const url = new URL(options.url);
  if (url.hostname !== "127.0.0.1") throw new Error(`load targets 127.0.0.1 only, not ${url.hostname}`);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const tokens = options.tokens?.length ? options.tokens : ["none"];
  let next = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSec,
        pipelining: options.pipelining ?? 1,
        timeout: 30,
        requests: [
          {
            method: "GET",
            path: url.pathname,
            setupRequest: (request) => ({
              ...request,
              headers: { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` },
            }),
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        if (result.errors) statuses.error = result.errors;
        const ok = result["2xx"];
        resolve({
          elapsedMs: result.duration * 1000,
          sent: result.requests.total,
          ok,
          failed: result.non2xx + result.errors,
          statuses,
          latencies,
          rate: ok / result.duration,
          tool: `autocannon, ${options.connections} connections`,
        });
      },
    );
    instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      tally(statuses, String(status));
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}
