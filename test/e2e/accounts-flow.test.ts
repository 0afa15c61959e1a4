import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announceSkip, kafkaBrokers, postgresUrl, unique } from "../support/index.ts";
import type { Stack, StackKind } from "./stack.ts";
import { activeUser } from "../security/support.ts";
import { ADMIN, Client, mailTo, stackKinds, startStack, tokenFrom, until } from "./stack.ts";

if (!kafkaBrokers || !postgresUrl) {
  announceSkip("Accounts flow on Kafka + PostgreSQL", "set KAFKA_BROKERS and DATABASE_URL to run it");
}

/**
 * The whole accounts journey over HTTP with a real SMTP exchange (the embedded catcher):
 * signup → mail → activate → login → 5 wrong passwords → 423 → blocked list → admin unblock →
 * login → forgot → mail → reset → old password 401, new one 200, old session gone.
 */
describe.each(stackKinds())("accounts flow (%s)", (kind: StackKind) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(kind);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("walks the whole journey", { timeout: 120_000 }, async () => {
    const email = `${unique("ada")}@example.test`;
    const password = "a long and quiet river";
    const user = new Client(stack.url);

    const signup = await user.post("/api/v1/signup", { email, password, fullName: "Ada Lovelace" });
    expect(signup.status).toBe(202);
    expect(signup.body).toEqual({ status: "pending_activation" });

    const activationMail = await mailTo(stack.url, email, /Activate/);
    const confirm = await user.post("/api/v1/activation/confirm", {
      token: tokenFrom(activationMail.links, "/activate"),
    });
    expect(confirm.status).toBe(200);
    expect(confirm.body).toEqual({ status: "active" });

    // Activation reaches login's credentials view as an event: eventually consistent.
    const login = await until(
      () => user.post("/api/v1/login", { email, password }),
      (a) => a.body.error?.code !== "ACCOUNT_NOT_ACTIVE",
    );
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ user: { email, role: "user", fullName: "Ada Lovelace" } });
    expect(user.hasSession()).toBe(true);
    const oldSession = new Client(stack.url);
    oldSession.bearer = login.body.token as string;
    expect((await oldSession.get("/api/v1/me")).status).toBe(200);

    const attacker = new Client(stack.url);
    for (let i = 0; i < 5; i++) {
      const wrong = await attacker.post("/api/v1/login", { email, password: `wrong password ${i}` });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error?.code).toBe("INVALID_CREDENTIALS");
    }
    const locked = await attacker.post("/api/v1/login", { email, password });
    expect(locked.status).toBe(423);
    expect(locked.body.error?.code).toBe("ACCOUNT_LOCKED");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);

    const admin = new Client(stack.url);
    expect((await admin.post("/api/v1/login", ADMIN)).status).toBe(200);
    const blocked = await until(
      () => admin.get("/api/v1/admin/blocked"),
      (a) => JSON.stringify(a.body).includes(email),
    );
    expect(blocked.status).toBe(200);
    expect(
      (blocked.body.blocked as { email: string; failures: number }[]).find((b) => b.email === email),
    ).toMatchObject({
      failures: 5,
    });
    await mailTo(stack.url, email, /locked/i);

    expect((await admin.delete(`/api/v1/admin/blocked/${encodeURIComponent(email)}`)).status).toBe(204);
    const afterUnblock = await until(
      () => user.post("/api/v1/login", { email, password }),
      (a) => a.status !== 423,
    );
    expect(afterUnblock.status).toBe(200);

    const forgot = await user.post("/api/v1/password/forgot", { email });
    expect(forgot.status).toBe(202);
    const resetMail = await mailTo(stack.url, email, /Reset/);
    const newPassword = "another quiet longer river";
    const reset = await user.post("/api/v1/password/reset", {
      token: tokenFrom(resetMail.links, "/reset-password"),
      password: newPassword,
    });
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ status: "password_changed" });

    const fresh = new Client(stack.url);
    const oldPassword = await until(
      () => fresh.post("/api/v1/login", { email, password }),
      (a) => a.status === 401,
    );
    expect(oldPassword.status).toBe(401);
    const newLogin = await fresh.post("/api/v1/login", { email, password: newPassword });
    expect(newLogin.status).toBe(200);
    // The reset revoked every session, the bearer one from before included.
    const gone = await until(
      () => oldSession.get("/api/v1/me"),
      (a) => a.status === 401,
      5_000,
    );
    expect(gone.status).toBe(401);
    expect(gone.body.error?.code).toBe("UNAUTHENTICATED");
    await mailTo(stack.url, email, /password was changed/i);
  });
  it(
    "stores a blank profile field as no value, at signup and on PATCH /me",
    { timeout: 120_000 },
    async () => {
      const { client } = await activeUser(stack, { fullName: "   " });
      expect((await client.get("/api/v1/me")).body).toMatchObject({ fullName: null });
      const named = await client.patch("/api/v1/me", {
        fullName: "  Ada  ",
        phone: "+44 20",
        address: "1 Road",
      });
      expect(named.body).toMatchObject({ fullName: "Ada", phone: "+44 20", address: "1 Road" });
      const cleared = await client.patch("/api/v1/me", { fullName: "", phone: "   ", address: null });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({ fullName: null, phone: null, address: null });
      expect((await client.get("/api/v1/me")).body).toMatchObject({
        fullName: null,
        phone: null,
        address: null,
      });
    },
  );
});
