import { readFileSync } from "node:fs";
import http from "node:http";
import { expect } from "vitest";
import type { ServiceName } from "../../src/platform/config.ts";
import { serviceNames } from "../../src/platform/config.ts";
import type { Platform } from "../../src/runtime/platform.ts";
import { unique } from "../support/index.ts";
import type { Answer, Stack } from "../e2e/stack.ts";
import { Client, mailTo, tokenFrom, until } from "../e2e/stack.ts";

/** The services that own a schema on every stack (the gateway has one only as a command outbox). */
export const serviceSchemas: readonly ServiceName[] = serviceNames.filter((s) => s !== "gateway");

/** Every code of the error catalog (docs/errors.md), the only codes a client may see. */
export const catalogCodes: ReadonlySet<string> = new Set(
  [
    ...readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8").matchAll(
      /^\|\s*`([A-Z_]+)`\s*\|/gm,
    ),
  ].map((m) => m[1]!),
);

/** Whether a parsed body is the one error shape: { error: { code, message, details? } } with a catalog code. */
export function errorShapeProblem(body: unknown): string | undefined {
  if (!body || typeof body !== "object") return "not a JSON object";
  const error = (body as { error?: unknown }).error;
  if (!error || typeof error !== "object") return "no error object";
  const { code, message, details } = error as Record<string, unknown>;
  if (typeof code !== "string" || !catalogCodes.has(code)) return `code ${String(code)} not in the catalog`;
  if (typeof message !== "string" || message.length === 0) return "no message";
  const keys = Object.keys(error).filter((k) => !["code", "message", "details"].includes(k));
  if (keys.length > 0) return `unexpected fields ${keys.join(", ")}`;
  if (details !== undefined && !Array.isArray(details)) return "details is not an array";
  if (Object.keys(body).length !== 1) return "fields beside error";
  return undefined;
}

/** Text no response may contain: stack frames, module paths, error class names, SQL. */
export const leakPatterns: readonly RegExp[] = [
  /at \//,
  /at async /,
  /node_modules/,
  /\bError:/,
  /\b(TypeError|RangeError|SyntaxError|ReferenceError)\b/,
  /\.ts:\d+/,
  /\b(select|insert|update|delete)\b[^"]{0,80}\b(from|into|set|where)\b/i,
  /\bsyntax error at or near\b/i,
  /\bviolates .* constraint\b/i,
  /\bFST_[A-Z_]+/,
  /\bECONNREFUSED|EPIPE|ETIMEDOUT\b/,
];

export function leakIn(text: string): string | undefined {
  return leakPatterns.find((p) => p.test(text))?.source;
}

export const strongPassword = (): string => `Quiet-${unique("harbour")}-Lantern`;
export const newEmail = (prefix = "sec"): string => `${unique(prefix)}@example.test`;

/**
 * Signs a user up over HTTP, activates them with the mailed link, and waits until login's view
 * lets them in. Returns the signed-in client (cookies) and the answer of that login.
 */
export async function activeUser(
  stack: Stack,
  options: { email?: string; password?: string; fullName?: string; headers?: Record<string, string> } = {},
): Promise<{ email: string; password: string; client: Client; login: Answer; activationToken: string }> {
  const email = options.email ?? newEmail();
  const password = options.password ?? strongPassword();
  const client = new Client(stack.url);
  const fullName = options.fullName !== undefined ? { fullName: options.fullName } : {};
  const signup = await client.call(
    "POST",
    "/api/v1/signup",
    { email, password, ...fullName },
    options.headers,
  );
  expect(signup.status, JSON.stringify(signup.body)).toBe(202);
  const mail = await patiently(() => mailTo(stack.url, email, /Activate/));
  const activationToken = tokenFrom(mail.links, "/activate");
  const confirm = await client.call(
    "POST",
    "/api/v1/activation/confirm",
    { token: activationToken },
    options.headers,
  );
  expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
  const login = await until(
    () => client.call("POST", "/api/v1/login", { email, password }, options.headers),
    (a) => a.status === 200,
  );
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  return { email, password, client, login, activationToken };
}

/** Retries a mailbox wait (20 s each) up to six times: a busy machine can be slow to deliver. */
export async function patiently<T>(wait: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await wait();
    } catch (error) {
      if (attempt === 6) throw error;
    }
  }
}

/** A client that authenticates with the bearer token only (no cookies are sent back). */
export function bearerClient(stack: Stack, token: string): Client {
  const client = new Client(stack.url);
  client.bearer = token;
  return client;
}

/** Every row of every table of the given services' schemas, as comparable JSON (minus `skip`). */
export async function snapshot(
  platform: Platform,
  services: readonly ServiceName[],
  skip: { tables: readonly string[]; columns: Readonly<Record<string, readonly string[]>> },
): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const service of services) {
    const db = await platform.databases.forService(service);
    const schema = platform.schemaOf(service);
    const tables = await db.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE'
        order by table_name`,
      [schema],
    );
    for (const { table_name: table } of tables) {
      if (skip.tables.includes(table)) continue;
      const rows = await db.query<Record<string, unknown>>(`select * from "${schema}"."${table}"`);
      const dropped = skip.columns[`${service}.${table}`] ?? [];
      out[`${service}.${table}`] = rows
        .map((row) => JSON.stringify(Object.entries(row).filter(([k]) => !dropped.includes(k))))
        .sort();
    }
  }
  return out;
}

/** A small seeded PRNG (mulberry32): the fuzz test prints its seed, and the seed replays it. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * One HTTP request with full control over the bytes (methods fetch refuses, invalid UTF-8,
 * lying content types). A text/event-stream answer is closed once its headers arrived.
 */
export function raw(
  base: string,
  request: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
  agent?: http.Agent,
): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: {
          ...(request.body !== undefined
            ? { "content-length": String(Buffer.byteLength(request.body)) }
            : {}),
          ...request.headers,
        },
        ...(agent ? { agent } : {}),
        timeout: 120_000,
      },
      (res) => {
        if (String(res.headers["content-type"] ?? "").startsWith("text/event-stream")) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: "" });
          return;
        }
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${request.method} ${request.path}: no answer in 120 s`)));
    req.on("error", reject);
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}

/** Parses a JSON body, or undefined. */
export function json(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The Set-Cookie lines of an answer, by cookie name. */
export function setCookies(headers: Headers): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of headers.getSetCookie()) out.set(line.split("=", 1)[0]!.trim(), line);
  return out;
}

/** Polls `check` every 20 ms until it is true; returns the elapsed ms, or undefined after `timeoutMs`. */
export async function within(check: () => Promise<boolean>, timeoutMs: number): Promise<number | undefined> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) return undefined;
    await new Promise((r) => setTimeout(r, 20));
  }
}
