import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdmin } from "../../src/contracts/accounts/index.ts";
import { unique } from "../support/index.ts";
import type { Stack, StackKind } from "../e2e/stack.ts";
import { stackKinds, startStack } from "../e2e/stack.ts";
import { errorShapeProblem, json, leakIn, raw, strongPassword } from "./support.ts";

const PUBLIC_URL = "https://ledgerline.example";

/** The directives of a Content-Security-Policy header. */
function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!.toLowerCase(), values]),
  );
}

/**
 * A deployment behind https (PUBLIC_URL https://…) and a proxy the gateway does not trust:
 * security headers and the CSP on every kind of answer, __Host- Secure cookies, forwarded
 * addresses ignored, and errors that reveal nothing internal.
 */
describe.each(stackKinds())(
  "https deployment: headers and cookies (%s)",
  { timeout: 300_000 },
  (kind: StackKind) => {
    let stack: Stack;
    const email = `${unique("hdr")}@example.test`;
    const password = strongPassword();

    beforeAll(async () => {
      stack = await startStack(kind, { PUBLIC_URL, TRUST_PROXY: "10.9.9.9" });
      const { platform } = stack;
      await platform.requester!.request(createAdmin, email, {
        email,
        password: platform.sealer.seal(password),
      });
    }, 180_000);
    afterAll(async () => {
      await stack?.stop();
    });

    async function signIn(headers: Record<string, string> = {}) {
      for (let i = 0; ; i++) {
        const response = await fetch(`${stack.url}/api/v1/login`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ email, password }),
        });
        if (response.status === 200 || i > 400) return response;
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    /** One answer of each kind the gateway gives: JSON, errors, HTML, script, metrics. */
    async function answers(
      token: string,
    ): Promise<{ what: string; api: boolean; headers: Record<string, unknown> }[]> {
      const probes: {
        what: string;
        method: string;
        path: string;
        headers?: Record<string, string>;
        body?: string;
      }[] = [
        { what: "health", method: "GET", path: "/healthz" },
        { what: "profile", method: "GET", path: "/api/v1/me", headers: { authorization: `Bearer ${token}` } },
        { what: "401", method: "GET", path: "/api/v1/me" },
        { what: "404", method: "GET", path: "/nothing/here" },
        {
          what: "400 json",
          method: "POST",
          path: "/api/v1/login",
          headers: { "content-type": "application/json" },
          body: "{",
        },
        {
          what: "413",
          method: "POST",
          path: "/api/v1/login",
          headers: { "content-type": "application/json" },
          body: `"${"x".repeat(70_000)}"`,
        },
        { what: "docs", method: "GET", path: "/docs" },
        { what: "docs.js", method: "GET", path: "/docs.js" },
        { what: "openapi", method: "GET", path: "/openapi.json" },
        { what: "metrics", method: "GET", path: "/metrics" },
        {
          what: "events",
          method: "GET",
          path: "/api/v1/events",
          headers: { authorization: `Bearer ${token}` },
        },
      ];
      const out = [];
      for (const p of probes) {
        const a = await raw(stack.url, {
          method: p.method,
          path: p.path,
          headers: p.headers ?? {},
          ...(p.body ? { body: p.body } : {}),
        });
        out.push({
          what: `${p.what} (${a.status})`,
          api: p.path.startsWith("/api/"),
          headers: a.headers as Record<string, unknown>,
        });
      }
      return out;
    }

    it("every kind of answer carries the security headers", async () => {
      const token = (await (await signIn()).json()) as { token: string };
      for (const { what, api, headers } of await answers(token.token)) {
        expect(headers["x-content-type-options"], what).toBe("nosniff");
        expect(headers["strict-transport-security"], what).toMatch(/max-age=(\d+)/);
        const maxAge = Number(/max-age=(\d+)/.exec(String(headers["strict-transport-security"]))![1]);
        expect(maxAge, what).toBeGreaterThanOrEqual(31_536_000);
        expect(headers["strict-transport-security"], what).toMatch(/includeSubDomains/i);
        expect(headers["referrer-policy"], what).toMatch(/no-referrer|same-origin|strict-origin/);
        expect(headers["x-frame-options"], what).toMatch(/DENY|SAMEORIGIN/i);
        expect(headers["cross-origin-resource-policy"], what).toBe("same-origin");
        const csp = directives(String(headers["content-security-policy"]));
        // ASVS 3.4.3 (object-src, base-uri) and 3.4.6 (frame-ancestors), on every answer.
        for (const directive of ["frame-ancestors", "object-src", "base-uri"]) {
          expect(csp.get(directive), `${what}: ${directive}`).toEqual(["'none'"]);
        }
        if (api) {
          // No API answer is a document: nothing may load from it, and no cache may keep it.
          expect(csp.get("default-src"), what).toEqual(["'none'"]);
          expect(headers["cache-control"], what).toMatch(/no-store|no-cache/);
        } else {
          // ASVS 3.4.8: every answer that may render as a document isolates its browsing context.
          expect(headers["cross-origin-opener-policy"], what).toBe("same-origin");
          expect(csp.get("default-src"), what).toEqual(["'self'"]);
        }
        expect(headers["x-powered-by"], what).toBeUndefined();
        expect(headers["server"], what).toBeUndefined();
        expect(headers["access-control-allow-origin"], what).toBeUndefined();
      }
    });

    it("the Content-Security-Policy allows only this origin, no inline script, no framing, no plugins, no <base>", async () => {
      const response = await raw(stack.url, { method: "GET", path: "/docs" });
      const csp = directives(String(response.headers["content-security-policy"]));
      expect(csp.get("default-src")).toEqual(["'self'"]);
      expect(csp.get("script-src")).toEqual(["'self'"]);
      expect(csp.get("object-src")).toEqual(["'none'"]);
      expect(csp.get("base-uri")).toEqual(["'none'"]);
      expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
      expect(csp.get("form-action")).toEqual(["'self'"]);
      const script = csp.get("script-src-attr");
      expect(script).toEqual(["'none'"]);
      for (const [name, values] of csp) {
        for (const v of values) {
          // helmet's default font-src allows https: fonts (a font runs no script); nothing else may.
          if (name === "font-src" && v === "https:") continue;
          expect(`${name} ${v}`).not.toMatch(/\s(\*|http:|https:|'unsafe-eval'|'unsafe-hashes')$/);
          if (name.startsWith("script")) expect(v).not.toBe("'unsafe-inline'");
        }
      }
    });

    it("API answers are not stored by caches (they carry tokens and personal data)", async () => {
      const login = await signIn();
      expect(login.headers.get("cache-control")).toMatch(/no-store/);
      const { token } = (await login.json()) as { token: string };
      const me = await raw(stack.url, {
        method: "GET",
        path: "/api/v1/me",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(me.headers["cache-control"]).toMatch(/no-store/);
    });

    it("over https the cookies are __Host- prefixed, Secure, HttpOnly (session), SameSite=Lax, host-only", async () => {
      const login = await signIn();
      const lines = login.headers.getSetCookie();
      const session = lines.find((l) => l.startsWith("__Host-ll_session="))!;
      const csrf = lines.find((l) => l.startsWith("__Host-ll_csrf="))!;
      expect(session, lines.join("\n")).toBeDefined();
      expect(csrf, lines.join("\n")).toBeDefined();
      for (const line of [session, csrf]) {
        expect(line).toMatch(/; Secure/i);
        expect(line).toMatch(/; Path=\/(;|$)/i);
        expect(line).toMatch(/; SameSite=Lax/i);
        expect(line).not.toMatch(/; Domain=/i);
        expect(Buffer.byteLength(line.split(";")[0]!)).toBeLessThan(4096);
      }
      expect(session).toMatch(/; HttpOnly/i);
      expect(csrf).not.toMatch(/HttpOnly/i);
      expect(lines.some((l) => l.startsWith("ll_session="))).toBe(false);

      const { token, csrfToken } = (await login.json()) as { token: string; csrfToken: string };
      const withHost = await raw(stack.url, {
        method: "PATCH",
        path: "/api/v1/me",
        headers: {
          cookie: `__Host-ll_session=${token}`,
          "x-csrf-token": csrfToken,
          "content-type": "application/json",
        },
        body: JSON.stringify({ fullName: "Host Cookie" }),
      });
      expect(withHost.status).toBe(200);
      // A cookie without the prefix (which a sibling subdomain could plant) is not a session here.
      const unprefixed = await raw(stack.url, {
        method: "GET",
        path: "/api/v1/me",
        headers: { cookie: `ll_session=${token}` },
      });
      expect(unprefixed.status).toBe(401);
    });

    it("X-Forwarded-For from a client that is not the trusted proxy is ignored", async () => {
      const login = await signIn({ "x-forwarded-for": "203.0.113.77" });
      const { token } = (await login.json()) as { token: string };
      const list = await raw(stack.url, {
        method: "GET",
        path: "/api/v1/me/sessions",
        headers: { authorization: `Bearer ${token}` },
      });
      const sessions = (json(list.text) as { sessions: { ip: string; current: boolean }[] }).sessions;
      expect(sessions.find((s) => s.current)!.ip).toBe("127.0.0.1");
    });

    it("error answers reveal no stack trace, path, SQL or internal message", async () => {
      const cases: { method: string; path: string; headers?: Record<string, string>; body?: string }[] = [
        {
          method: "POST",
          path: "/api/v1/login",
          headers: { "content-type": "application/json" },
          body: '{"email":',
        },
        {
          method: "POST",
          path: "/api/v1/login",
          headers: { "content-type": "application/json" },
          body: '{"__proto__":{"x":1}}',
        },
        {
          method: "POST",
          path: "/api/v1/login",
          headers: { "content-type": "application/json" },
          body: '{"constructor":{"prototype":{}}}',
        },
        {
          method: "POST",
          path: "/api/v1/login",
          headers: { "content-type": "application/xml" },
          body: "<a/>",
        },
        {
          method: "POST",
          path: "/api/v1/login",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: 1, password: [] }),
        },
        {
          method: "POST",
          path: "/api/v1/login",
          headers: { "content-type": "application/json", "content-length": "1" },
          body: "{}",
        },
        {
          method: "POST",
          path: "/api/v1/signup",
          headers: { "content-type": "application/json" },
          body: "x".repeat(70_000),
        },
        { method: "GET", path: "/api/v1/invoices/' or 1=1--", headers: {} },
        { method: "GET", path: "/api/v1/admin/users?cursor=%00%ff'", headers: {} },
        { method: "DELETE", path: "/api/v1/admin/blocked/%E0%A4%A", headers: {} },
        { method: "GET", path: "/%", headers: {} },
        { method: "PROPFIND", path: "/api/v1/me", headers: {} },
      ];
      for (const c of cases) {
        let answer;
        try {
          answer = await raw(stack.url, c);
        } catch {
          continue; // the server may close a connection whose framing is broken
        }
        const what = `${c.method} ${c.path} → ${answer.status}: ${answer.text.slice(0, 300)}`;
        expect(answer.status, what).toBeGreaterThanOrEqual(400);
        expect(answer.status, what).toBeLessThan(500);
        expect(leakIn(answer.text), what).toBeUndefined();
        expect(errorShapeProblem(json(answer.text)), what).toBeUndefined();
      }
    });
  },
);
