import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdmin } from "../../src/contracts/accounts/index.ts";
import type { Answer, Stack, StackKind } from "../e2e/stack.ts";
import { ADMIN, Client, stackKinds, startStack, until } from "../e2e/stack.ts";
import { activeUser, newEmail, strongPassword } from "./support.ts";

const LOGIN_FAILURES_PER_IP = 10;
const REQUESTS_PER_IP = 6;
const REQUESTS_PER_EMAIL = 3;
const THRESHOLD = 3;

let ipCounter = 0;
/** A client address of its own (TEST-NET-2), sent as X-Forwarded-For through the trusted proxy. */
const newIp = () => `198.51.${100 + Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;
const from = (ip: string) => ({ "x-forwarded-for": ip });

function expectRateLimited(a: Answer): void {
  expect(a.status, JSON.stringify(a.body)).toBe(429);
  expect(a.body.error?.code).toBe("RATE_LIMITED");
  const retryAfter = Number(a.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(3600);
}

/**
 * Abuse limits over HTTP: failed logins per client IP, signup/forgot/resend per IP and per email
 * (429 with Retry-After), a second lock that is permanent only after LOCKOUT_MAX_TEMPORARY
 * temporary ones, and an admin who can always unlock. The proxy in front (127.0.0.1, the test
 * itself) is trusted, so X-Forwarded-For gives each scenario its own client address. The exact
 * per-account threshold under parallel attempts is test/e2e/lockout-concurrency.test.ts.
 */
describe.each(stackKinds())("abuse limits (%s)", { timeout: 300_000 }, (kind: StackKind) => {
  let stack: Stack;
  let admin: Client;

  beforeAll(async () => {
    stack = await startStack(kind, {
      TRUST_PROXY: "127.0.0.1",
      LOGIN_FAILURES_PER_IP_PER_HOUR: String(LOGIN_FAILURES_PER_IP),
      REQUESTS_PER_IP_PER_HOUR: String(REQUESTS_PER_IP),
      REQUESTS_PER_EMAIL_PER_HOUR: String(REQUESTS_PER_EMAIL),
      LOCKOUT_THRESHOLD: String(THRESHOLD),
      LOCKOUT_BASE_SECONDS: "5",
      LOCKOUT_MAX_SECONDS: "6",
      LOCKOUT_MAX_TEMPORARY: "1",
    });
    admin = new Client(stack.url);
    const ip = newIp();
    // The bootstrap admin reaches login's view as an event: eventually.
    const login = await until(
      () => admin.call("POST", "/api/v1/login", ADMIN, from(ip)),
      (a) => a.status === 200,
    );
    expect(login.status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const login = (email: string, password: string, ip = newIp()) =>
    new Client(stack.url).call("POST", "/api/v1/login", { email, password }, from(ip));

  it("X-Forwarded-For is honoured from a trusted proxy (TRUST_PROXY lists it)", async () => {
    const ip = newIp();
    const { client } = await activeUser(stack, { headers: from(ip) });
    const sessions = (await client.get("/api/v1/me/sessions")).body.sessions as {
      ip: string;
      current: boolean;
    }[];
    expect(sessions.find((s) => s.current)!.ip).toBe(ip);
  });

  it(`after ${LOGIN_FAILURES_PER_IP} failed logins from one IP, every login from it is 429; other IPs are not affected`, async () => {
    const user = await activeUser(stack, { headers: from(newIp()) });
    const attacker = newIp();
    // Spread over many emails, as credential stuffing does: no account reaches its own threshold.
    for (let i = 0; i < LOGIN_FAILURES_PER_IP; i++) {
      const a = await login(newEmail("stuffed"), "a guessed password", attacker);
      expect(a.status).toBe(401);
    }
    expectRateLimited(await login(newEmail("stuffed"), "a guessed password", attacker));
    // Even the right password is refused from that address…
    expectRateLimited(await login(user.email, user.password, attacker));
    // …and the account itself is neither locked nor blocked for anyone else.
    expect((await login(user.email, user.password)).status).toBe(200);
  });

  it("successful logins do not count against the per-IP failure limit", async () => {
    const user = await activeUser(stack, { headers: from(newIp()) });
    const ip = newIp();
    for (let i = 0; i < LOGIN_FAILURES_PER_IP + 2; i++)
      expect((await login(user.email, user.password, ip)).status).toBe(200);
  });

  const routes = [
    { path: "/api/v1/signup", body: (email: string) => ({ email, password: strongPassword() }) },
    { path: "/api/v1/password/forgot", body: (email: string) => ({ email }) },
    { path: "/api/v1/activation/resend", body: (email: string) => ({ email }) },
  ];

  for (const route of routes) {
    it(`${route.path}: ${REQUESTS_PER_IP} per IP per hour, then 429 with Retry-After`, async () => {
      const ip = newIp();
      const client = new Client(stack.url);
      for (let i = 0; i < REQUESTS_PER_IP; i++) {
        expect((await client.call("POST", route.path, route.body(newEmail()), from(ip))).status).toBe(202);
      }
      expectRateLimited(await client.call("POST", route.path, route.body(newEmail()), from(ip)));
      // Another address is not limited.
      expect((await client.call("POST", route.path, route.body(newEmail()), from(newIp()))).status).toBe(202);
    });

    it(`${route.path}: ${REQUESTS_PER_EMAIL} per email per hour from any IPs, then 429, known or not`, async () => {
      const client = new Client(stack.url);
      // Registered without the HTTP routes, so its per-email budget is untouched.
      const known = newEmail("known");
      const { platform } = stack;
      await platform.requester!.request(createAdmin, known, {
        email: known,
        password: platform.sealer.seal(strongPassword()),
      });
      const unknown = newEmail("nobody");
      const answers: Record<string, { status: number; body: unknown }[]> = { known: [], unknown: [] };
      for (const [name, email] of [
        ["known", known],
        ["unknown", unknown],
      ] as const) {
        for (let i = 0; i <= REQUESTS_PER_EMAIL; i++) {
          const a = await client.call("POST", route.path, route.body(email), from(newIp()));
          answers[name]!.push({ status: a.status, body: a.body });
          if (i === REQUESTS_PER_EMAIL) expectRateLimited(a);
          else expect(a.status).toBe(202);
        }
      }
      // The limit says nothing about whether the email is registered.
      expect(answers.known).toEqual(answers.unknown);
    });
  }

  it(
    "a lock becomes permanent only after LOCKOUT_MAX_TEMPORARY temporary ones, and an admin lifts it",
    { timeout: 300_000 },
    async () => {
      const user = await activeUser(stack, { headers: from(newIp()) });
      const wrong = () => login(user.email, `wrong ${Math.random()}`);

      // Lock 1: temporary (5 s: long enough to be seen on a slow machine).
      for (let i = 0; i < THRESHOLD; i++) expect((await wrong()).status).toBe(401);
      const locked = await login(user.email, user.password);
      expect(locked.status).toBe(423);
      expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
      const first = await until(
        () => admin.get("/api/v1/admin/blocked"),
        (a) => JSON.stringify(a.body).includes(user.email),
      );
      const entry1 = (first.body.blocked as { email: string; lockedUntil: string | null }[]).find(
        (b) => b.email === user.email,
      )!;
      expect(entry1.lockedUntil).not.toBeNull();

      // It ends by itself: wrong passwords count again (the first of a new series is a 401).
      const afterLock = await until(wrong, (a) => a.status !== 423, 30_000);
      expect(afterLock.status).toBe(401);
      for (let i = 1; i < THRESHOLD; i++) expect((await wrong()).status).toBe(401);

      // Lock 2: permanent. Past LOCKOUT_MAX_SECONDS (6 s) the right password is still refused.
      await new Promise((r) => setTimeout(r, 7_000));
      const still = await login(user.email, user.password);
      expect(still.status).toBe(423);
      expect(still.body.error?.code).toBe("ACCOUNT_LOCKED");
      const second = await until(
        () => admin.get("/api/v1/admin/blocked"),
        (a) =>
          (a.body.blocked as { email: string; lockedUntil: string | null }[] | undefined)?.some(
            (b) => b.email === user.email && b.lockedUntil === null,
          ) ?? false,
      );
      const entry2 = (second.body.blocked as { email: string; reason: string }[]).find(
        (b) => b.email === user.email,
      )!;
      expect(entry2.reason).toMatch(/permanent/);

      // The admin lifts it; the counter starts from zero.
      const unblock = await admin.delete(`/api/v1/admin/blocked/${encodeURIComponent(user.email)}`);
      expect(unblock.status).toBe(204);
      const open = await until(
        () => login(user.email, user.password),
        (a) => a.status !== 423,
      );
      expect(open.status).toBe(200);
      for (let i = 1; i < THRESHOLD; i++) expect((await wrong()).status).toBe(401);
      expect((await login(user.email, user.password)).status).toBe(200);
    },
  );

  it("an admin can unlock any email, locked or not, and only an admin can", async () => {
    const email = newEmail("never-locked");
    expect((await admin.delete(`/api/v1/admin/blocked/${encodeURIComponent(email)}`)).status).toBe(204);
    const { client } = await activeUser(stack, { headers: from(newIp()) });
    const refused = await client.delete(`/api/v1/admin/blocked/${encodeURIComponent(email)}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe("FORBIDDEN");
    const anonymous = await new Client(stack.url).delete(
      `/api/v1/admin/blocked/${encodeURIComponent(email)}`,
    );
    expect(anonymous.status).toBe(401);
  });
});
