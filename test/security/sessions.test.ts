import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/platform/secrets.ts";
import { startGatewayBeside } from "../../src/gateway/second-instance.ts";
import type { Answer, Stack, StackKind } from "../e2e/stack.ts";
import { ADMIN, Client, mailTo, stackKinds, startStack, tokenFrom, until } from "../e2e/stack.ts";
import { activeUser, bearerClient, setCookies, strongPassword, within, patiently } from "./support.ts";

const IDLE_MINUTES = 30;
const ABSOLUTE_HOURS = 2;

const gone = (a: Answer) => a.status === 401 && a.body.error?.code === "UNAUTHENTICATED";

/**
 * Sessions over HTTP: a fresh token at every login (the previous one ends), idle and absolute
 * timeouts enforced through the gateway's cache, revocation on password change (others), reset
 * (all), suspension and logout, revocation reaching a second gateway (how fast is printed), cookie
 * attributes over http, and X-Forwarded-For ignored when the proxy is not trusted.
 */
describe.each(stackKinds())("sessions (%s)", { timeout: 300_000 }, (kind: StackKind) => {
  let stack: Stack;
  let admin: Client;

  beforeAll(async () => {
    stack = await startStack(kind, {
      SESSION_IDLE_MINUTES: String(IDLE_MINUTES),
      SESSION_ABSOLUTE_HOURS: String(ABSOLUTE_HOURS),
    });
    admin = new Client(stack.url);
    // The bootstrap admin reaches login's view as an event: eventually.
    const login = await until(
      () => admin.post("/api/v1/login", ADMIN),
      (a) => a.status === 200,
    );
    expect(login.status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  async function sessionsDb() {
    const db = await stack.platform.databases.forService("login");
    return { db, table: `"${stack.platform.schemaOf("login")}".sessions` };
  }

  async function signIn(email: string, password: string): Promise<{ client: Client; token: string }> {
    const client = new Client(stack.url);
    const answer = await until(
      () => client.post("/api/v1/login", { email, password }),
      (a) => a.status === 200,
    );
    expect(answer.status).toBe(200);
    return { client, token: answer.body.token as string };
  }

  it("every login issues a new session token and id, and a re-login ends the session it replaces", async () => {
    const { email, password, client, login } = await activeUser(stack);
    const first = login.body.token as string;
    // A reference token of 256 bits from the CSPRNG (ASVS 7.2.3 asks for at least 128).
    expect(Buffer.from(first, "base64url").length * 8).toBeGreaterThanOrEqual(128);
    const firstId = (
      (await client.get("/api/v1/me/sessions")).body.sessions as { id: string; current: boolean }[]
    ).find((s) => s.current)!.id;

    // The same browser signs in again: it carries its session cookie on the login request.
    const again = await client.post("/api/v1/login", { email, password });
    expect(again.status).toBe(200);
    const second = again.body.token as string;
    expect(second).not.toBe(first);
    expect(setCookies(again.headers).get("ll_session")).toContain(`ll_session=${second}`);
    const sessions = (await client.get("/api/v1/me/sessions")).body.sessions as {
      id: string;
      current: boolean;
    }[];
    const secondId = sessions.find((s) => s.current)!.id;
    expect(secondId).not.toBe(firstId);
    // The replaced session is over (ASVS 7.2.4), here and on the server.
    expect(gone(await bearerClient(stack, first).get("/api/v1/me"))).toBe(true);
    expect(sessions.map((s) => s.id)).not.toContain(firstId);

    // Another device's session is not touched by this browser's re-login.
    const other = await signIn(email, password);
    expect((await client.post("/api/v1/login", { email, password })).status).toBe(200);
    expect((await other.client.get("/api/v1/me")).status).toBe(200);
  });

  it("a session unused for SESSION_IDLE_MINUTES ends, also for a gateway that cached it", async () => {
    const { client, login } = await activeUser(stack);
    const token = login.body.token as string;
    expect((await client.get("/api/v1/me")).status).toBe(200);
    const { db, table } = await sessionsDb();
    // Used IDLE-1 minutes ago: still alive.
    await db.query(
      `update ${table} set last_seen_at = now() - make_interval(mins => $2) where token_hash = $1`,
      [hashToken(token), IDLE_MINUTES - 1],
    );
    stack.gateway.context.sessions.forget(hashToken(token));
    expect((await client.get("/api/v1/me")).status).toBe(200);
    // Unused for IDLE+1 minutes: over, once the gateway's 10 s cache entry lapses (no eviction here).
    await db.query(
      `update ${table} set last_seen_at = now() - make_interval(mins => $2) where token_hash = $1`,
      [hashToken(token), IDLE_MINUTES + 1],
    );
    const answer = await until(() => client.get("/api/v1/me"), gone, 15_000);
    expect(gone(answer)).toBe(true);
  });

  it("a session ends SESSION_ABSOLUTE_HOURS after sign-in however much it is used, cache included", async () => {
    const { client, login } = await activeUser(stack);
    const token = login.body.token as string;
    const { db, table } = await sessionsDb();
    const [row] = await db.query<{ hours: number }>(
      `select extract(epoch from expires_at - created_at) / 3600 as hours from ${table} where token_hash = $1`,
      [hashToken(token)],
    );
    expect(Number(row!.hours)).toBeCloseTo(ABSOLUTE_HOURS, 5);
    const cookie = setCookies(login.headers).get("ll_session")!;
    const expires = new Date(/Expires=([^;]+)/i.exec(cookie)![1]!).getTime();
    expect(Math.abs(expires - (Date.now() + ABSOLUTE_HOURS * 3_600_000))).toBeLessThan(60_000);

    // The session reaches its absolute end 1.5 s from now while in constant use: the gateway's
    // cache must not serve it past that instant.
    await db.query(`update ${table} set expires_at = now() + interval '1.5 seconds' where token_hash = $1`, [
      hashToken(token),
    ]);
    stack.gateway.context.sessions.forget(hashToken(token));
    expect((await client.get("/api/v1/me")).status).toBe(200);
    const ended = await within(async () => gone(await client.get("/api/v1/me")), 6_000);
    expect(ended, "refused within 6 s of a 1.5 s expiry (the cache keeps entries 10 s)").toBeDefined();
  });

  it("a password change ends the user's other sessions and keeps this one", async () => {
    const { email, password, client } = await activeUser(stack);
    const other = await signIn(email, password);
    const otherBearer = bearerClient(stack, other.token);
    expect((await otherBearer.get("/api/v1/me")).status).toBe(200);
    const newPassword = strongPassword();
    const change = await client.post("/api/v1/password/change", { currentPassword: password, newPassword });
    expect(change.status).toBe(200);
    expect(gone(await until(() => otherBearer.get("/api/v1/me"), gone, 5_000))).toBe(true);
    expect(gone(await until(() => other.client.get("/api/v1/me"), gone, 5_000))).toBe(true);
    expect((await client.get("/api/v1/me")).status).toBe(200);
  });

  it("a password reset ends every session of the user", async () => {
    const { email, password, client } = await activeUser(stack);
    const other = await signIn(email, password);
    expect((await client.post("/api/v1/password/forgot", { email })).status).toBe(202);
    const token = tokenFrom(
      (await patiently(() => mailTo(stack.url, email, /Reset/))).links,
      "/reset-password",
    );
    const reset = await new Client(stack.url).post("/api/v1/password/reset", {
      token,
      password: strongPassword(),
    });
    expect(reset.status).toBe(200);
    for (const c of [client, other.client])
      expect(gone(await until(() => c.get("/api/v1/me"), gone, 5_000))).toBe(true);
  });

  it("suspension ends every session of the user and refuses new ones", async () => {
    const { email, password, client, login } = await activeUser(stack);
    const bearer = bearerClient(stack, login.body.token as string);
    const userId = (login.body.user as { id: string }).id;
    const suspend = await admin.post(`/api/v1/admin/users/${userId}/suspend`, { reason: "security suite" });
    expect(suspend.status).toBe(200);
    for (const c of [client, bearer])
      expect(gone(await until(() => c.get("/api/v1/me"), gone, 5_000))).toBe(true);
    const refused = await until(
      () => new Client(stack.url).post("/api/v1/login", { email, password }),
      (a) => a.status === 403,
    );
    expect(refused.body.error?.code).toBe("ACCOUNT_SUSPENDED");
  });

  it("logout ends the session at once and clears both cookies", async () => {
    const { client, login } = await activeUser(stack);
    const bearer = bearerClient(stack, login.body.token as string);
    expect((await bearer.get("/api/v1/me")).status).toBe(200);
    const out = await client.post("/api/v1/logout");
    expect(out.status).toBe(204);
    const cleared = setCookies(out.headers);
    for (const name of ["ll_session", "ll_csrf"])
      expect(cleared.get(name)).toMatch(/Expires=Thu, 01 Jan 1970/i);
    expect(gone(await bearer.get("/api/v1/me"))).toBe(true);
    expect(client.hasSession()).toBe(false);
  });

  it("a user can list and end their own sessions, one or all others", async () => {
    const { email, password, client } = await activeUser(stack);
    const second = await signIn(email, password);
    const third = await signIn(email, password);
    const list = (await client.get("/api/v1/me/sessions")).body.sessions as {
      id: string;
      current: boolean;
    }[];
    expect(list).toHaveLength(3);
    const secondId = (
      (await second.client.get("/api/v1/me/sessions")).body.sessions as { id: string; current: boolean }[]
    ).find((s) => s.current)!.id;
    expect((await client.delete(`/api/v1/me/sessions/${secondId}`)).status).toBe(204);
    expect(gone(await until(() => second.client.get("/api/v1/me"), gone, 5_000))).toBe(true);
    expect((await third.client.get("/api/v1/me")).status).toBe(200);
    expect((await client.delete("/api/v1/me/sessions")).status).toBe(204);
    expect(gone(await until(() => third.client.get("/api/v1/me"), gone, 5_000))).toBe(true);
    expect((await client.get("/api/v1/me")).status).toBe(200);
  });

  it("a revocation reaches a second gateway instance", { timeout: 300_000 }, async () => {
    // A second gateway process: its own requester, reply topic and revocation subscription.
    const gatewayB = await startGatewayBeside(stack.platform);
    try {
      const urlB = gatewayB.url;

      // The first round warms gateway B's revocation subscription up (on Kafka the first fetch
      // after a group join can lag), so it may take up to 15 s; the others get 5 s.
      for (const reason of ["warm-up logout", "logout", "password change"] as const) {
        const { email, password, client: onA, login } = await activeUser(stack);
        const token = login.body.token as string;
        const onB = new Client(urlB);
        onB.bearer = token;
        // B resolves the token once and caches it for 10 s.
        expect((await onB.get("/api/v1/me")).status).toBe(200);
        expect((await onB.get("/api/v1/me")).status).toBe(200);
        if (reason !== "password change") {
          expect((await onA.post("/api/v1/logout")).status).toBe(204);
        } else {
          // A change from another session of the user ends this one.
          const other = await signIn(email, password);
          const change = await other.client.post("/api/v1/password/change", {
            currentPassword: password,
            newPassword: strongPassword(),
          });
          expect(change.status).toBe(200);
        }
        // Measured from the revoking answer. How fast is printed, not asserted: speed is the
        // bench's business, and this file shares two cores with the other suites.
        const elapsed = await within(
          async () => gone(await onB.get("/api/v1/me")),
          reason === "warm-up logout" ? 15_000 : 5_000,
        );
        expect(
          elapsed,
          `${reason}: gateway B still served the session 5 s after the revocation`,
        ).toBeDefined();
        console.log(
          `revocation (${reason}) reached gateway B ${elapsed} ms after the revoking answer (${kind})`,
        );
      }
    } finally {
      await gatewayB.stop();
    }
  });

  it("session cookies over http: HttpOnly, SameSite=Lax, Path=/, no Secure; the CSRF cookie is readable", async () => {
    const { login } = await activeUser(stack);
    const cookies = setCookies(login.headers);
    const session = cookies.get("ll_session")!;
    const csrf = cookies.get("ll_csrf")!;
    expect(session).toMatch(/; HttpOnly/i);
    expect(session).toMatch(/; SameSite=Lax/i);
    expect(session).toMatch(/; Path=\/(;|$)/i);
    expect(session).not.toMatch(/; Secure/i);
    expect(session).not.toMatch(/; Domain=/i);
    expect(csrf).not.toMatch(/HttpOnly/i);
    expect(csrf).toMatch(/; SameSite=Lax/i);
    for (const line of [session, csrf]) expect(Buffer.byteLength(line.split(";")[0]!)).toBeLessThan(4096);
  });

  it("the login history lists each attempt with its client and outcome, newest first", async () => {
    const { email, password, client } = await activeUser(stack);
    const other = new Client(stack.url);
    const agent = { "user-agent": "history-test/1.0" };
    expect((await other.call("POST", "/api/v1/login", { email, password: "not it" }, agent)).status).toBe(
      401,
    );
    expect((await other.call("POST", "/api/v1/login", { email, password }, agent)).status).toBe(200);
    const logins = (await client.get("/api/v1/me/logins")).body.logins as {
      at: string;
      ip: string;
      userAgent: string;
      outcome: string;
    }[];
    expect(logins.slice(0, 2)).toMatchObject([
      { ip: "127.0.0.1", userAgent: "history-test/1.0", outcome: "success" },
      { ip: "127.0.0.1", userAgent: "history-test/1.0", outcome: "invalid_credentials" },
    ]);
    // The sign-in after activation came before them (on Kafka after a not_active or two, while
    // login had not seen the activation yet).
    expect(logins.slice(2)).toContainEqual(
      expect.objectContaining({ userAgent: "node", outcome: "success" }),
    );
    const times = logins.map((l) => Date.parse(l.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("X-Forwarded-For is ignored when TRUST_PROXY is false (the default)", async () => {
    const { email, password } = await activeUser(stack);
    const client = new Client(stack.url);
    const login = await client.call(
      "POST",
      "/api/v1/login",
      { email, password },
      { "x-forwarded-for": "203.0.113.7" },
    );
    expect(login.status).toBe(200);
    const sessions = (await client.get("/api/v1/me/sessions")).body.sessions as {
      ip: string;
      current: boolean;
    }[];
    expect(sessions.find((s) => s.current)!.ip).toBe("127.0.0.1");
    const logins = (await client.get("/api/v1/me/logins")).body.logins as { ip: string }[];
    expect(logins.map((l) => l.ip)).not.toContain("203.0.113.7");
  });
});
