import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdmin } from "../../src/contracts/accounts/index.ts";
import { unique } from "../support/index.ts";
import type { Stack, StackKind } from "../e2e/stack.ts";
import { Client, stackKinds, startStack, until } from "../e2e/stack.ts";
import { serviceSchemas, json, raw, snapshot, strongPassword } from "./support.ts";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** A valid request for each state-changing route (a new route fails the suite until it is added here). */
function sampleRequests(ctx: { password: string }): Record<string, { path: string; body?: unknown }> {
  return {
    "POST /api/v1/logout": { path: "/api/v1/logout" },
    "PATCH /api/v1/me": { path: "/api/v1/me", body: { fullName: "Probe Person" } },
    // A wrong current password: past the CSRF check it is 401, and nothing changes.
    "POST /api/v1/password/change": {
      path: "/api/v1/password/change",
      body: { currentPassword: `not ${ctx.password}`, newPassword: strongPassword() },
    },
    "DELETE /api/v1/me/sessions/:id": { path: `/api/v1/me/sessions/${randomUUID()}` },
    "DELETE /api/v1/me/sessions": { path: "/api/v1/me/sessions" },
    "POST /api/v1/admin/users/:id/suspend": {
      path: `/api/v1/admin/users/${randomUUID()}/suspend`,
      body: { reason: "probe" },
    },
    "POST /api/v1/admin/users/:id/unsuspend": { path: `/api/v1/admin/users/${randomUUID()}/unsuspend` },
    "DELETE /api/v1/admin/blocked/:email": {
      path: `/api/v1/admin/blocked/${encodeURIComponent("nobody@example.test")}`,
    },
    "POST /api/v1/invoices": {
      path: "/api/v1/invoices",
      body: {
        customer: { name: "Probe Customer" },
        items: [{ description: "Probe", quantity: 1, unitPriceCents: 100 }],
        currency: "EUR",
      },
    },
    "POST /api/v1/score/recalculate": { path: "/api/v1/score/recalculate" },
    // Public routes: they act on no session (see the simple-request test).
    "POST /api/v1/signup": {
      path: "/api/v1/signup",
      body: { email: `${unique("x")}@example.test`, password: strongPassword() },
    },
    "POST /api/v1/activation/confirm": {
      path: "/api/v1/activation/confirm",
      body: { token: "a".repeat(43) },
    },
    "POST /api/v1/activation/resend": {
      path: "/api/v1/activation/resend",
      body: { email: "nobody@example.test" },
    },
    "POST /api/v1/login": {
      path: "/api/v1/login",
      body: { email: "nobody@example.test", password: "wrong password" },
    },
    "POST /api/v1/password/forgot": {
      path: "/api/v1/password/forgot",
      body: { email: "nobody@example.test" },
    },
    "POST /api/v1/password/reset": {
      path: "/api/v1/password/reset",
      body: { token: "a".repeat(43), password: strongPassword() },
    },
  };
}

/**
 * CSRF: every state-changing route that acts on a cookie session refuses a request without the
 * X-CSRF-Token, or with a wrong one, with 403 CSRF_INVALID; the same request with the right
 * token, or with a bearer token and no CSRF header, gets past the check. Public routes cannot be
 * driven by a cross-site "simple" request (form or text/plain). No GET changes state.
 */
describe.each(stackKinds())("CSRF and safe methods (%s)", { timeout: 300_000 }, (kind: StackKind) => {
  let stack: Stack;
  const email = `${unique("csrf")}@example.test`;
  const password = strongPassword();
  let stateChanging: { method: string; url: string; access: string }[];

  beforeAll(async () => {
    stack = await startStack(kind);
    const { platform } = stack;
    await platform.requester!.request(createAdmin, email, {
      email,
      password: platform.sealer.seal(password),
    });
    await until(
      () => new Client(stack.url).post("/api/v1/login", { email, password }),
      (a) => a.status === 200,
    );
    const specs = stack.gateway.context.api.routes;
    stateChanging = stack.gateway
      .routes()
      .filter((r) => !SAFE.has(r.method))
      .map((r) => {
        const spec = specs.find((s) => s.method === r.method && s.url === r.url);
        return { method: r.method, url: r.url, access: spec?.access ?? "undeclared" };
      });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  async function signIn(): Promise<{ token: string; csrf: string }> {
    const login = await new Client(stack.url).post("/api/v1/login", { email, password });
    expect(login.status).toBe(200);
    return { token: login.body.token as string, csrf: login.body.csrfToken as string };
  }

  /** A browser-like request: the session cookie, and the CSRF header only when given. */
  async function withCookie(
    method: string,
    request: { path: string; body?: unknown },
    session: { token: string; csrf?: string },
  ) {
    const response = await fetch(stack.url + request.path, {
      method,
      headers: {
        cookie: `ll_session=${session.token}; ll_csrf=${session.csrf ?? ""}`,
        ...(request.body !== undefined ? { "content-type": "application/json" } : {}),
        ...(session.csrf !== undefined ? { "x-csrf-token": session.csrf } : {}),
      },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    });
    return { status: response.status, body: json(await response.text()) as { error?: { code: string } } };
  }

  it("knows a valid request for every state-changing route, and every one is declared", () => {
    const samples = sampleRequests({ password });
    expect(stateChanging.length).toBeGreaterThanOrEqual(16);
    for (const r of stateChanging) {
      expect(r.access, `${r.method} ${r.url}`).not.toBe("undeclared");
      expect(samples[`${r.method} ${r.url}`], `no sample for ${r.method} ${r.url}`).toBeDefined();
    }
  });

  const sessionBound = () => stateChanging.filter((r) => r.access !== "public" || r.url === "/api/v1/logout");

  it("a cookie-authenticated state change without X-CSRF-Token is 403 CSRF_INVALID, on every such route", async () => {
    const session = await signIn();
    const samples = sampleRequests({ password });
    for (const r of sessionBound()) {
      const answer = await withCookie(r.method, samples[`${r.method} ${r.url}`]!, { token: session.token });
      expect({
        route: `${r.method} ${r.url}`,
        status: answer.status,
        code: answer.body?.error?.code,
      }).toEqual({
        route: `${r.method} ${r.url}`,
        status: 403,
        code: "CSRF_INVALID",
      });
    }
    // The session is still there: nothing above ended it.
    expect((await withCookie("GET", { path: "/api/v1/me" }, { token: session.token })).status).toBe(200);
  });

  it("a wrong, empty, or another session's CSRF token is 403 CSRF_INVALID, on every such route", async () => {
    const session = await signIn();
    const other = await signIn();
    const samples = sampleRequests({ password });
    const wrong = [
      other.csrf,
      "",
      "x".repeat(43),
      `${session.csrf}x`,
      session.csrf.slice(0, -1),
      session.token,
    ];
    for (const r of sessionBound()) {
      for (const csrf of wrong) {
        const answer = await withCookie(r.method, samples[`${r.method} ${r.url}`]!, {
          token: session.token,
          csrf,
        });
        expect({
          route: `${r.method} ${r.url}`,
          csrf,
          status: answer.status,
          code: answer.body?.error?.code,
        }).toEqual({ route: `${r.method} ${r.url}`, csrf, status: 403, code: "CSRF_INVALID" });
      }
    }
  });

  it("with the right token, and with a bearer token and no CSRF header, the same requests get past the check", async () => {
    const samples = sampleRequests({ password });
    // Logout last: it ends the session the others use.
    const routes = [...sessionBound()].sort(
      (a, b) => Number(a.url === "/api/v1/logout") - Number(b.url === "/api/v1/logout"),
    );
    const cookieSession = await signIn();
    for (const r of routes) {
      const answer = await withCookie(r.method, samples[`${r.method} ${r.url}`]!, cookieSession);
      expect(answer.status, `${r.method} ${r.url}: ${JSON.stringify(answer.body)}`).not.toBe(403);
      expect(answer.status).toBeLessThan(500);
    }
    const bearer = await signIn();
    for (const r of routes) {
      const sample = samples[`${r.method} ${r.url}`]!;
      const response = await fetch(stack.url + sample.path, {
        method: r.method,
        headers: {
          authorization: `Bearer ${bearer.token}`,
          ...(sample.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(sample.body !== undefined ? { body: JSON.stringify(sample.body) } : {}),
      });
      const text = await response.text();
      expect(response.status, `${r.method} ${r.url}: ${text}`).not.toBe(403);
      expect(response.status).toBeLessThan(500);
    }
  });

  it("a cross-site simple request (form or text/plain body) cannot drive any state-changing route", async () => {
    const samples = sampleRequests({ password });
    const session = await signIn();
    for (const r of stateChanging) {
      const sample = samples[`${r.method} ${r.url}`]!;
      const fields = (sample.body ?? {}) as Record<string, unknown>;
      const bodies: [string, string][] = [
        ["text/plain", JSON.stringify(sample.body ?? {})],
        [
          "application/x-www-form-urlencoded",
          new URLSearchParams(fields as Record<string, string>).toString(),
        ],
        [
          "multipart/form-data; boundary=x",
          `--x\r\ncontent-disposition: form-data; name="email"\r\n\r\nnobody@example.test\r\n--x--\r\n`,
        ],
      ];
      for (const [type, body] of bodies) {
        // What a cross-site <form> sends: the cookie (if the browser attaches it), no custom header.
        const answer = await raw(stack.url, {
          method: r.method,
          path: sample.path,
          headers: {
            "content-type": type,
            cookie: `ll_session=${session.token}`,
            origin: "https://evil.example",
          },
          body,
        });
        expect(answer.status, `${r.method} ${r.url} as ${type}: ${answer.text}`).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        expect(answer.headers["set-cookie"], `${r.method} ${r.url} as ${type} set a cookie`).toBeUndefined();
      }
    }
    expect((await withCookie("GET", { path: "/api/v1/me" }, { token: session.token })).status).toBe(200);
  });

  it("a GET on a state-changing URL with no GET route is 404", async () => {
    const session = await signIn();
    const gets = new Set(
      stack.gateway
        .routes()
        .filter((r) => r.method === "GET")
        .map((r) => r.url),
    );
    const samples = sampleRequests({ password });
    for (const r of stateChanging) {
      if (gets.has(r.url)) continue;
      const path = samples[`${r.method} ${r.url}`]!.path;
      const auths: Record<string, string>[] = [
        { authorization: `Bearer ${session.token}` },
        { cookie: `ll_session=${session.token}` },
      ];
      for (const headers of auths) {
        const answer = await raw(stack.url, { method: "GET", path, headers });
        expect({ path, status: answer.status }).toEqual({ path, status: 404 });
        expect((json(answer.text) as { error?: { code?: string } })?.error?.code).toBe("NOT_FOUND");
      }
    }
  });

  it("no GET or HEAD request changes any service's data", { timeout: 300_000 }, async () => {
    const session = await signIn();
    const { platform } = stack;
    const services = serviceSchemas;
    // Messaging bookkeeping changes with every request-reply; last_seen_at is the idle clock.
    const skip = {
      tables: ["outbox", "outbox_lease", "inbox", "schema_migrations"],
      columns: { "login.sessions": ["last_seen_at"] },
    };
    // Settled: two snapshots 300 ms apart agree and no invoice is still pending (its render, on
    // a thread that may still be starting, is work of the earlier POSTs, not of a GET).
    const pending = (rows: unknown[] = []) =>
      rows.some((row) =>
        (JSON.parse(row as string) as [string, unknown][]).some(
          ([k, v]) => k === "status" && v === "pending",
        ),
      );
    const settled = async () => {
      let last = JSON.stringify(await snapshot(platform, services, skip));
      for (let i = 0; i < 50; i++) {
        await new Promise((r) => setTimeout(r, 300));
        const data = await snapshot(platform, services, skip);
        const next = JSON.stringify(data);
        if (next === last && !pending(data["invoicing.invoices"])) return next;
        last = next;
      }
      throw new Error("the data never settled");
    };
    const before = await settled();
    const getRoutes = stack.gateway.routes().filter((r) => r.method === "GET" || r.method === "HEAD");
    const fill = (url: string) =>
      url
        .replace(/:email/g, encodeURIComponent(email))
        .replace(/:(\w+)/g, () => randomUUID())
        .replace(/\*/g, "x");
    const overrides = ["DELETE", "POST", "PATCH", "PUT"];
    const auths: Record<string, string>[] = [
      { authorization: `Bearer ${session.token}` },
      { cookie: `ll_session=${session.token}`, "x-csrf-token": session.csrf },
    ];
    let n = 0;
    for (const r of getRoutes) {
      for (const auth of auths) {
        // Method-override conventions some frameworks honour: here they must change nothing.
        const override = overrides[n++ % overrides.length]!;
        const answer = await raw(stack.url, {
          method: r.method,
          path: `${fill(r.url)}?_method=${override}&status=SUSPENDED&reason=probe`,
          headers: { ...auth, "x-http-method-override": override, "x-method-override": override },
        });
        expect(answer.status, `${r.method} ${r.url}`).toBeLessThan(500);
      }
    }
    const after = await settled();
    expect(after).toEqual(before);
  });
});
