import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdmin } from "../../src/contracts/accounts/index.ts";
import { unique } from "../support/index.ts";
import type { Stack, StackKind } from "../e2e/stack.ts";
import { Client, stackKinds, startStack, until } from "../e2e/stack.ts";
import { bearerClient, errorShapeProblem, json, leakIn, raw, rng, strongPassword } from "./support.ts";

/** SECURITY_SEED replays a run; the seed is in every failure report. */
const SEED = Number(process.env.SECURITY_SEED ?? Date.now() % 2_147_483_647);
const REQUESTS: Record<StackKind, number> = {
  embedded: Number(process.env.SECURITY_FUZZ_REQUESTS ?? 5000),
  "kafka+postgres": Number(process.env.SECURITY_FUZZ_REQUESTS_KAFKA ?? 1500),
};
const PARALLEL = 10;
const BODY_LIMIT = 64 * 1024;

type Random = () => number;
const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const chance = (r: Random, p: number) => r() < p;

const junkStrings = (r: Random): string[] => [
  "",
  " ",
  "null",
  "undefined",
  "' OR '1'='1",
  '"; DROP TABLE users; --',
  "../../../etc/passwd",
  "..%2f..%2fetc%2fpasswd",
  "%00",
  "\u0000",
  "\u202e\u0000\uffff",
  "😀".repeat(50),
  "𝕏".repeat(3),
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "{{7*7}}",
  "__proto__",
  "constructor",
  "a".repeat(5_000),
  "b".repeat(60_000),
  String(Math.floor(r() * 1e12)),
  "00000000-0000-0000-0000-000000000000",
  crypto.randomUUID(),
  "not-a-uuid",
  "x@y",
  `${unique("fz")}@example.test`,
  "a@b.c".repeat(100),
  "-1",
  "1e309",
  "NaN",
  "%E0%A4%A",
  "%",
  "%25",
  "%ff%fe",
];

function junkValue(r: Random, depth = 0): unknown {
  switch (Math.floor(r() * 11)) {
    case 0:
      return pick(r, junkStrings(r));
    case 1:
      return Math.floor(r() * 2 ** 53) * (chance(r, 0.5) ? -1 : 1);
    case 2:
      return pick(r, [0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2]);
    case 3:
      return chance(r, 0.5);
    case 4:
      return null;
    case 5:
      return depth > 3 ? [] : Array.from({ length: Math.floor(r() * 4) }, () => junkValue(r, depth + 1));
    case 6:
      return depth > 3
        ? {}
        : { [pick(r, ["a", "email", "__proto__", "constructor", "id"])]: junkValue(r, depth + 1) };
    case 7:
      return "x".repeat(Math.floor(r() * 70_000));
    default:
      return pick(r, junkStrings(r)).slice(0, 300);
  }
}

/** Valid-looking bodies per route, which the generator then breaks field by field. */
function templates(password: string): Record<string, Record<string, unknown>> {
  return {
    "/api/v1/signup": { email: `${unique("fz")}@example.test`, password: strongPassword(), fullName: "F Z" },
    "/api/v1/activation/confirm": { token: "a".repeat(43) },
    "/api/v1/activation/resend": { email: "fuzz@example.test" },
    "/api/v1/login": { email: "fuzz@example.test", password },
    "/api/v1/me": { fullName: "Fuzz", phone: "+1 555", address: "Somewhere" },
    "/api/v1/password/forgot": { email: "fuzz@example.test" },
    "/api/v1/password/reset": { token: "a".repeat(43), password: strongPassword() },
    "/api/v1/password/change": { currentPassword: `wrong ${password}`, newPassword: strongPassword() },
    "/api/v1/admin/users/:id/suspend": { reason: "fuzz" },
    "/api/v1/invoices": {
      customer: { name: "Fuzz Ltd", email: "c@example.test", taxId: "X1", address: "Road 1" },
      items: [{ description: "Thing", quantity: 2, unitPriceCents: 150 }],
      currency: "EUR",
      taxRatePercent: 20,
      dueDate: "2099-01-01",
    },
  };
}

function mutate(r: Random, template: Record<string, unknown>): unknown {
  const body: Record<string, unknown> = structuredClone(template);
  const keys = Object.keys(body);
  for (let i = 0, n = 1 + Math.floor(r() * 3); i < n; i++) {
    switch (Math.floor(r() * 5)) {
      case 0: // a wrong type or a junk value
        if (keys.length) body[pick(r, keys)] = junkValue(r);
        break;
      case 1: // a missing field
        if (keys.length) delete body[pick(r, keys)];
        break;
      case 2: // an unknown field
        body[pick(r, ["extra", "role", "isAdmin", "__proto__", "constructor", "status", "userId"])] =
          junkValue(r);
        break;
      case 3: // nested junk inside a nested object
        if (Array.isArray(body.items))
          body.items = [junkValue(r), { ...(body.items[0] as object), quantity: junkValue(r) }];
        else if (keys.length) body[pick(r, keys)] = { nested: junkValue(r) };
        break;
      default: // the whole body is something else
        return junkValue(r);
    }
  }
  return body;
}

function deepJson(r: Random): string {
  const depth = 1_000 + Math.floor(r() * 30_000);
  return chance(r, 0.5)
    ? "[".repeat(depth) + "]".repeat(depth)
    : '{"a":'.repeat(depth / 5) + "1" + "}".repeat(depth / 5);
}

interface Planned {
  i: number;
  method: string;
  path: string;
  route: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  kind: string;
  expectStatus?: number;
}

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=latin1",
  "application/JSON",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=zz",
  "application/xml",
  "application/json, text/html",
  "*/*",
  ";;;",
  "application/vnd.api+json",
];

function plan(
  r: Random,
  i: number,
  routes: readonly { method: string; url: string }[],
  ctx: { token: string; password: string },
): Planned {
  const route = chance(r, 0.04)
    ? {
        method: pick(r, ["GET", "POST"]),
        url: pick(r, ["/api/v1/nope", "/api/v2/login", "/api/v1/login/extra", "/.env", "/api//v1//me"]),
      }
    : pick(r, routes);
  const method = chance(r, 0.12)
    ? pick(r, ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "PROPFIND", "FOO", "M-SEARCH"])
    : route.method;
  const fill = (name: string) => {
    const v = chance(r, 0.3)
      ? crypto.randomUUID()
      : pick(r, junkStrings(r)).slice(0, chance(r, 0.1) ? 4000 : 200);
    // Raw bytes in the path stay percent-encoded; sometimes encoded twice, sometimes left bare.
    if (name && chance(r, 0.15)) return v.replace(/[^A-Za-z0-9%._~-]/g, "_");
    return chance(r, 0.2) ? encodeURIComponent(encodeURIComponent(v)) : encodeURIComponent(v);
  };
  let path = route.url.replace(/:(\w+)/g, (_m, name: string) => fill(name)).replace(/\*/g, () => fill(""));
  if (chance(r, 0.25)) {
    const params = new URLSearchParams();
    for (const key of ["query", "status", "cursor", "limit", "to", "minutes", "token", "__proto__"]) {
      if (chance(r, 0.3)) params.set(key, String(junkValue(r)).slice(0, 3000));
    }
    path += `?${params.toString()}${chance(r, 0.2) ? "&%zz=%&a[b][c]=1" : ""}`;
  }

  const headers: Record<string, string> = {};
  const auth = r();
  if (auth < 0.5) headers.authorization = `Bearer ${ctx.token}`;
  else if (auth < 0.6)
    headers.authorization = pick(r, [
      "Bearer ",
      "Bearer x",
      `Bearer ${"y".repeat(300)}`,
      "Basic YTpi",
      "bearer " + ctx.token,
    ]);
  else if (auth < 0.7)
    headers.cookie = pick(r, [
      `ll_session=${ctx.token}`,
      "ll_session=junk; ll_csrf=junk",
      `ll_session=${"z".repeat(3000)}`,
      "=;;=;",
    ]);
  // Never the live session on login or logout: either would end it (a re-login ends the browser session).
  if (route.url === "/api/v1/login" || route.url === "/api/v1/logout") {
    if (headers.authorization?.includes(ctx.token)) delete headers.authorization;
    if (headers.cookie?.includes(ctx.token)) delete headers.cookie;
  }
  delete headers.authorization; // keep the session
  if (chance(r, 0.1))
    headers["x-csrf-token"] = String(junkValue(r))
      .slice(0, 500)
      .replace(/[^\x20-\x7e]/g, "");
  if (chance(r, 0.05)) headers["idempotency-key"] = pick(r, ["x", crypto.randomUUID(), "0".repeat(500)]);
  if (chance(r, 0.05))
    headers["last-event-id"] = pick(r, ["x", "\u00ff".repeat(2), "9".repeat(200)]).replace(
      /[^\x20-\x7e]/g,
      "?",
    );
  if (chance(r, 0.05))
    headers.traceparent = pick(r, ["00-xyz", "ff-" + "0".repeat(32) + "-" + "0".repeat(16) + "-01", "junk"]);
  if (chance(r, 0.05)) headers["x-forwarded-for"] = pick(r, ["1.2.3.4", "junk, , ::1", "999.999.1.1"]);
  if (chance(r, 0.03)) headers["x-huge"] = "h".repeat(8_000);
  if (chance(r, 0.05)) headers.accept = pick(r, ["text/html", "*/*;q=junk", "application/xml"]);

  const key = route.url;
  const tpl = templates(ctx.password)[key];
  let kind: string;
  let body: Buffer | string | undefined;
  const shape = r();
  if (shape < 0.35) {
    kind = "mutated JSON";
    body = JSON.stringify(mutate(r, tpl ?? {}));
  } else if (shape < 0.45) {
    kind = "deeply nested JSON";
    body = deepJson(r);
  } else if (shape < 0.53) {
    kind = "invalid UTF-8";
    const inner = Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0xf0, 0x28, 0x8c, 0x28]);
    body = Buffer.concat([
      Buffer.from('{"email":"'),
      inner,
      Buffer.from('@x.io","password":"'),
      inner,
      Buffer.from('","token":"'),
      inner,
      Buffer.from('"}'),
    ]);
  } else if (shape < 0.63) {
    kind = "bad JSON";
    body = pick(r, [
      "{",
      "}",
      '{"a":}',
      "[1,2,",
      "{'a':1}",
      '{"a":NaN}',
      "\ufeff{}",
      "nul",
      '{"a":1}}',
      '"\\u12"',
      '{"a":"\\x00"}',
      " ",
    ]);
  } else if (shape < 0.68) {
    kind = "oversized";
    body = JSON.stringify({ email: "a@b.co", password: "p".repeat(BODY_LIMIT + Math.floor(r() * 100_000)) });
  } else if (shape < 0.76) {
    kind = "random bytes";
    body = Buffer.from(Array.from({ length: Math.floor(r() * 2000) }, () => Math.floor(r() * 256)));
  } else if (shape < 0.84) {
    kind = "no body";
  } else {
    kind = "valid-looking JSON";
    body = JSON.stringify(tpl ?? {});
  }
  if (body !== undefined) {
    headers["content-type"] = chance(r, 0.75) ? "application/json" : pick(r, CONTENT_TYPES);
  } else if (chance(r, 0.3)) {
    headers["content-type"] = "application/json";
  }
  const oversizedJson =
    kind === "oversized" &&
    headers["content-type"] === "application/json" &&
    ["POST", "PATCH"].includes(method) &&
    !route.url.includes(":") &&
    routes.some((x) => x.method === method && x.url === route.url);
  return {
    i,
    method,
    path,
    route: `${route.method} ${route.url}`,
    headers,
    ...(body !== undefined ? { body } : {}),
    kind,
    ...(oversizedJson ? { expectStatus: 413 } : {}),
  };
}

/** Requests Node's HTTP client would refuse to send: broken framing, control bytes, bad request lines. */
const MALFORMED_HTTP = [
  "GARBAGE\r\n\r\n",
  "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
  "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: \u0001\u0002\r\n\r\n",
  "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}",
  "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
  "GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n",
  "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
  `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
  "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
];

function rawExchange(base: string, payload: string): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("error", () => undefined);
    socket.write(payload, "latin1");
  });
}

/**
 * A seeded generator sends ≥ 5,000 malformed requests (embedded; fewer on Kafka) to every route
 * Fastify serves, path parameters filled with junk, half of them with a valid bearer session so
 * authenticated routes are exercised past the auth check: wrong types, missing and unknown fields,
 * huge strings, deeply nested JSON, invalid UTF-8, wrong content types, oversized bodies, bad
 * JSON, odd methods and headers. No 5xx but 504 (a late reply); every 4xx in the one error shape with a
 * catalog code; nothing internal in any error; the server still serves afterwards.
 */
describe.each(stackKinds())("bad input (%s)", { timeout: 600_000 }, (kind: StackKind) => {
  let stack: Stack;
  const admin = { email: `${unique("fuzzadmin")}@example.test`, password: strongPassword() };
  const bystander = { email: `${unique("bystander")}@example.test`, password: strongPassword() };

  beforeAll(async () => {
    stack = await startStack(kind, {
      REQUESTS_PER_IP_PER_HOUR: "1000000",
      LOGIN_FAILURES_PER_IP_PER_HOUR: "1000000",
    });
    const { platform } = stack;
    for (const u of [admin, bystander]) {
      await platform.requester!.request(createAdmin, u.email, {
        email: u.email,
        password: platform.sealer.seal(u.password),
      });
    }
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("answers thousands of malformed requests to every route without a 5xx, in the error shape", async () => {
    const login = await until(
      () => new Client(stack.url).post("/api/v1/login", admin),
      (a) => a.status === 200,
    );
    expect(login.status).toBe(200);
    const token = login.body.token as string;
    const routes = stack.gateway.routes();
    const total = REQUESTS[kind];
    const random = rng(SEED);
    const requests = Array.from({ length: total }, (_, i) =>
      plan(random, i, routes, { token, password: admin.password }),
    );
    const agent = new http.Agent({ keepAlive: true, maxSockets: PARALLEL });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const covered = new Set<string>();
    const describeRequest = (p: Planned) =>
      `#${p.i} ${p.kind} ${p.method} ${p.path.slice(0, 160)} (${p.route}) ${JSON.stringify(p.headers).slice(0, 200)} body ${String(p.body ?? "").slice(0, 120)}`;
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < requests.length) {
          const p = requests[next++]!;
          let answer;
          try {
            answer = await raw(
              stack.url,
              {
                method: p.method,
                path: p.path,
                headers: p.headers,
                ...(p.body !== undefined ? { body: p.body } : {}),
              },
              agent,
            );
          } catch (error) {
            // A connection the server closed on broken framing is acceptable, a hang is not.
            if (String(error).includes("no answer"))
              failures.push(`${describeRequest(p)} → ${String(error)}`);
            continue;
          }
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          covered.add(p.route);
          const problem = (() => {
            // 504 is a reply that came late on a loaded machine. 503 would say a part is down,
            // and nothing is here: bad input must not pass for an outage (NUL in a name did).
            if (answer.status >= 500 && answer.status !== 504) return "a 5xx";
            if (p.expectStatus && answer.status !== p.expectStatus) return `expected ${p.expectStatus}`;
            if (answer.status >= 400 && p.method !== "HEAD") {
              const shape = errorShapeProblem(json(answer.text));
              if (shape) return `error shape: ${shape}`;
              const leak = leakIn(answer.text);
              if (leak) return `leaks ${leak}`;
            }
            return undefined;
          })();
          if (problem)
            failures.push(
              `${problem}: ${describeRequest(p)} → ${answer.status} ${answer.text.slice(0, 300)}`,
            );
        }
      }),
    );
    agent.destroy();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `bad input (${kind}): ${total} requests in ${seconds} s, seed ${SEED}, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(
      failures.slice(0, 15),
      `seed ${SEED} (SECURITY_SEED=${SEED} replays it): ${failures.length} failures`,
    ).toEqual([]);
    // Every route was reached (the planner picks them uniformly).
    for (const r of routes)
      expect(covered.has(`${r.method} ${r.url}`), `never sent ${r.method} ${r.url}`).toBe(true);
    expect([...statuses.keys()].some((s) => s === 413)).toBe(true);
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
  });

  it("answers requests Node's client cannot even send with a 400 in the error shape, or closes them", async () => {
    for (const payload of MALFORMED_HTTP) {
      const text = await rawExchange(stack.url, payload);
      const what = JSON.stringify(payload.slice(0, 80));
      if (text === "") continue; // closed without a word: acceptable for broken framing
      expect(text, what).toMatch(/^HTTP\/1\.[01] [24]\d\d /);
      const status = Number(text.slice(9, 12));
      if (status >= 400) {
        const body = text.slice(text.indexOf("\r\n\r\n") + 4);
        expect(errorShapeProblem(json(body)), `${what}: ${text.slice(0, 300)}`).toBeUndefined();
      }
    }
  });

  /** The admin's session, what it can see (to show nothing changed) and the OpenAPI document. */
  async function signedInAdmin() {
    const login = await until(
      () => new Client(stack.url).post("/api/v1/login", admin),
      (a) => a.status === 200,
    );
    expect(login.status).toBe(200);
    const client = bearerClient(stack, login.body.token as string);
    const unchanged = async () => ({
      me: (await client.get("/api/v1/me")).body,
      invoices: (await client.get("/api/v1/invoices")).body,
    });
    const document = (await client.get("/openapi.json")).body as unknown as OpenApi;
    return { client, unchanged, document };
  }

  it("answers text PostgreSQL cannot store (NUL, an unpaired surrogate) with 400 naming the field, and stores nothing", async () => {
    const { client, unchanged, document } = await signedInAdmin();
    const before = await unchanged();
    const bodies = templates(admin.password);
    const answers: { what: string; status: number; code?: string; paths: string[]; expected: string }[] = [];
    const send = async (what: string, expected: string, method: string, path: string, body?: unknown) => {
      const answer = await client.call(method, path, body);
      const error = answer.body.error as { code?: string; details?: { path: string }[] } | undefined;
      answers.push({
        what,
        status: answer.status,
        ...(error?.code ? { code: error.code } : {}),
        paths: (error?.details ?? []).map((d) => d.path),
        expected,
      });
    };
    for (const [path, operations] of Object.entries(document.paths)) {
      const url = routeUrl(path);
      for (const [method, operation] of Object.entries(operations)) {
        const at = withIds(path);
        if (operation.requestBody) {
          const template = bodies[url];
          expect(template, `a template for ${method} ${url}`).toBeDefined();
          for (const leaf of stringLeaves(template)) {
            for (const bad of ["a\u0000b", "a\ud800b", "\udc00"]) {
              const what = `${method} ${url} ${leaf.join(".")}=${JSON.stringify(bad)}`;
              await send(what, leaf.join("."), method.toUpperCase(), at, withValue(template!, leaf, bad));
            }
          }
          await send(`${method} ${url} with a NUL in a key`, "(body)", method.toUpperCase(), at, {
            ...template,
            "k\u0000": "v",
          });
        }
        for (const parameter of operation.parameters ?? []) {
          if (parameter.in === "query") {
            const what = `${method} ${url}?${parameter.name}=%00`;
            await send(what, parameter.name, method.toUpperCase(), `${at}?${parameter.name}=%00`);
          } else if (parameter.in === "path" && !url.includes("/dev/")) {
            const what = `${method} ${url} with :${parameter.name} = %00`;
            await send(
              what,
              parameter.name,
              method.toUpperCase(),
              withIds(path.replace(`{${parameter.name}}`, "%00")),
            );
          }
        }
      }
    }
    const wrong = answers.filter(
      (a) => a.status !== 400 || a.code !== "VALIDATION_FAILED" || !a.paths.includes(a.expected),
    );
    expect(wrong, `of ${answers.length} requests`).toEqual([]);
    expect(answers.length).toBeGreaterThan(60);
    expect(await unchanged()).toEqual(before);
  });

  it("refuses a field it does not know, at any depth of a body or in a query, naming it, and stores nothing", async () => {
    const { client, unchanged, document } = await signedInAdmin();
    const before = await unchanged();
    const bodies = templates(admin.password);
    const wrong: string[] = [];
    let sent = 0;
    const expectNamed = async (
      what: string,
      expected: string,
      method: string,
      path: string,
      body?: unknown,
    ) => {
      sent++;
      const answer = await client.call(method, path, body);
      const error = answer.body.error as { code?: string; details?: { path: string; message: string }[] };
      const named = error?.details?.some((d) => d.path === expected && d.message === "unknown field");
      if (answer.status !== 400 || error?.code !== "VALIDATION_FAILED" || !named)
        wrong.push(`${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    };
    for (const [path, operations] of Object.entries(document.paths)) {
      const url = routeUrl(path);
      for (const [method, operation] of Object.entries(operations)) {
        const at = withIds(path);
        if (operation.requestBody) {
          // The invoice's misspelt tax rate is the case that matters: ignored, it billed no tax.
          for (const place of objectPaths(bodies[url])) {
            const key = place.length === 0 ? "taxRate" : "unitPrice";
            const named = [...place, key].join(".");
            const body = withKey(bodies[url]!, place, key, 19);
            await expectNamed(`${method} ${url} with ${named}`, named, method.toUpperCase(), at, body);
          }
        }
        // Every API route, whether or not it takes a query: one that takes none does not ignore
        // it. (The operations endpoints, /healthz to /docs, ignore a query as probes expect.)
        if (!path.startsWith("/api/v1/")) continue;
        const body = operation.requestBody ? bodies[url] : undefined;
        const valid = path.replace("{email}", "nobody@example.test");
        // And a route that takes no body does not ignore one's fields (`POST /logout {"all":true}`).
        if (!operation.requestBody && method !== "get")
          await expectNamed(`${method} ${url} with a body`, "sort", method.toUpperCase(), withIds(valid), {
            sort: "email",
          });
        await expectNamed(
          `${method} ${url}?sort=`,
          "sort",
          method.toUpperCase(),
          `${withIds(valid)}?sort=email`,
          body,
        );
      }
    }
    expect(wrong, `of ${sent} requests`).toEqual([]);
    expect(sent).toBeGreaterThan(12);
    expect(await unchanged()).toEqual(before);
  });

  it("answers a path parameter of the wrong form with 400 naming it, and documents each form", async () => {
    const login = await until(
      () => new Client(stack.url).post("/api/v1/login", admin),
      (a) => a.status === 200,
    );
    const client = bearerClient(stack, login.body.token as string);
    const document = (await client.get("/openapi.json")).body as unknown as OpenApi;
    const wrong: string[] = [];
    const forms: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      if (path.includes("/dev/")) continue;
      for (const [method, operation] of Object.entries(operations)) {
        for (const parameter of operation.parameters ?? []) {
          if (parameter.in !== "path") continue;
          forms.push(`${method} ${path} ${parameter.name}: ${parameter.schema?.format ?? "no format"}`);
          for (const bad of ["not-an-id", "1", "00000000-0000-4000-8000-00000000000g"]) {
            const url = withIds(path.replace(`{${parameter.name}}`, encodeURIComponent(bad)));
            const answer = await client.call(
              method.toUpperCase(),
              url,
              operation.requestBody ? {} : undefined,
            );
            const error = answer.body.error as { code?: string; details?: { path: string }[] } | undefined;
            if (
              answer.status !== 400 ||
              error?.code !== "VALIDATION_FAILED" ||
              !error.details?.some((d) => d.path === parameter.name)
            )
              wrong.push(`${method} ${url} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 160)}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(forms.sort()).toEqual([
      "delete /api/v1/admin/blocked/{email} email: email",
      "delete /api/v1/me/sessions/{id} id: uuid",
      "get /api/v1/invoices/{id} id: uuid",
      "get /api/v1/invoices/{id}/pdf id: uuid",
      "post /api/v1/admin/users/{id}/suspend id: uuid",
      "post /api/v1/admin/users/{id}/unsuspend id: uuid",
    ]);
  });

  it("answers a body that is not JSON with 415 on every route that takes a body, text/plain included", async () => {
    const document = (await new Client(stack.url).get("/openapi.json")).body as unknown as OpenApi;
    const wrong: string[] = [];
    let sent = 0;
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!operation.requestBody) continue;
        for (const type of [
          "text/plain",
          "text/plain; charset=utf-8",
          "application/x-www-form-urlencoded",
          "application/xml",
        ]) {
          const answer = await raw(stack.url, {
            method: method.toUpperCase(),
            path: withIds(path),
            headers: { "content-type": type },
            body: JSON.stringify(templates(admin.password)[routeUrl(path)] ?? {}),
          });
          sent++;
          const code = (json(answer.text) as { error?: { code?: string } } | undefined)?.error?.code;
          if (answer.status !== 415 || code !== "UNSUPPORTED_MEDIA_TYPE")
            wrong.push(`${method} ${path} as ${type} → ${answer.status} ${answer.text.slice(0, 200)}`);
        }
      }
    }
    expect(wrong, `of ${sent} requests`).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(40); // 10 routes take a body
  });

  it("takes an empty body sent as application/json for no body, on every route", async () => {
    const login = await until(
      () => new Client(stack.url).post("/api/v1/login", admin),
      (a) => a.status === 200,
    );
    const token = login.body.token as string;
    const document = (await new Client(stack.url).get("/openapi.json")).body as unknown as OpenApi;
    const answer = async (method: string, path: string, headers: Record<string, string>, body?: string) => {
      const got = await raw(stack.url, {
        method,
        path,
        headers: { authorization: `Bearer ${token}`, ...headers },
        ...(body !== undefined ? { body } : {}),
      });
      const code = (json(got.text) as { error?: { code?: string } } | undefined)?.error?.code;
      return `${got.status}${code ? ` ${code}` : ""}`;
    };
    const wrong: string[] = [];
    let sent = 0;
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        // Logging out would end the session the other requests use; its route is one of many.
        if (path === "/api/v1/logout") continue;
        const m = method.toUpperCase();
        const at = withIds(path);
        const empty = await answer(m, at, { "content-type": "application/json" }, "");
        // The same as no body at all: `{}` for a route that takes one, no header for one that does not.
        const same = operation.requestBody
          ? await answer(m, at, { "content-type": "application/json" }, "{}")
          : await answer(m, at, {});
        sent++;
        if (empty !== same || empty.includes("MALFORMED_JSON") || empty.startsWith("5"))
          wrong.push(`${m} ${path}: ${empty} with an empty body, ${same} without`);
      }
    }
    expect(wrong, `of ${sent} routes`).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(25);
    // A body that is there is still parsed, and still refused when it is not JSON.
    expect(await answer("POST", "/api/v1/login", { "content-type": "application/json" }, " ")).toBe(
      "400 MALFORMED_JSON",
    );
    expect(
      await answer("POST", "/api/v1/login", { "content-type": "application/json" }, '{"__proto__":{"a":1}}'),
    ).toBe("400 MALFORMED_JSON");
  });

  it("still serves health checks and a real login afterwards", async () => {
    expect((await raw(stack.url, { method: "GET", path: "/healthz" })).status).toBe(200);
    expect((await raw(stack.url, { method: "GET", path: "/readyz" })).status).toBe(200);
    const login = await new Client(stack.url).post("/api/v1/login", bystander);
    expect(login.status).toBe(200);
    const me = await new Client(stack.url).call("GET", "/api/v1/me", undefined, {
      authorization: `Bearer ${login.body.token as string}`,
    });
    expect(me.status).toBe(200);
  });
});

/** The parts of /openapi.json this file reads. */
interface OpenApi {
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: unknown;
        parameters?: { name: string; in: "path" | "query"; schema?: { format?: string } }[];
      }
    >
  >;
}

/** An OpenAPI path (`/x/{id}`) as the route's URL (`/x/:id`), the key of `templates`. */
const routeUrl = (path: string): string => path.replace(/\{(\w+)\}/g, ":$1");

/** An OpenAPI path with a well-formed id in each parameter left. */
const withIds = (path: string): string => path.replace(/\{(\w+)\}/g, "00000000-0000-4000-8000-000000000000");

/** The path of every string in a JSON value. */
function stringLeaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === "string") return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...path, i]));
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...path, k]));
  return [];
}

/** The path of every object in `value`, itself (the empty path) included. */
function objectPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => objectPaths(v, [...path, i]));
  if (value === null || typeof value !== "object") return [];
  return [path, ...Object.entries(value).flatMap(([k, v]) => objectPaths(v, [...path, k]))];
}

/** A copy of `template` with `key` added to the object at `path`. */
function withKey(
  template: Record<string, unknown>,
  path: (string | number)[],
  key: string,
  value: unknown,
): unknown {
  const copy = structuredClone(template);
  let at = copy as Record<string | number, unknown>;
  for (const step of path) at = at[step] as Record<string | number, unknown>;
  at[key] = value;
  return copy;
}

/** A copy of `template` with the value at `path` replaced. */
function withValue(template: Record<string, unknown>, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(template);
  let at = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path[path.length - 1]!] = value;
  return copy;
}
