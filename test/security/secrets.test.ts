import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listMailbox } from "../../src/contracts/mailer/list-mailbox.ts";
import { createLogger } from "../../src/platform/logger.ts";
import type { Stack, StackKind } from "../e2e/stack.ts";
import { Client, mailTo, stackKinds, startStack, tokenFrom, until } from "../e2e/stack.ts";
import { LogCapture } from "../support/index.ts";
import { newEmail, strongPassword, patiently } from "./support.ts";

/**
 * Secrets never leave in the clear: a whole journey (signup, activation, login, a wrong password,
 * password change, forgot/reset, logout) with every log line captured at debug level and every
 * message on every topic read back; no password, activation or reset token, session token or
 * CSRF token the journey used appears in either. The argon2 hash travels only on `credentials`.
 */
describe.each(stackKinds())("secrets in logs and messages (%s)", { timeout: 180_000 }, (kind: StackKind) => {
  let stack: Stack;
  // Every log line the platform writes, at debug level.
  const capture = new LogCapture();
  const started = new Date(Date.now() - 60_000);

  beforeAll(async () => {
    stack = await startStack(kind, {}, { log: createLogger({ level: "debug", destination: capture }) });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("no secret the journey used is in a log line or a message; the hash only on credentials", async () => {
    const email = newEmail("secret");
    const secrets: Record<string, string> = {};
    secrets.signupPassword = strongPassword();
    secrets.wrongPassword = `Wrong-${strongPassword()}`;
    secrets.changedPassword = strongPassword();
    secrets.resetPassword = strongPassword();
    const browser = new Client(stack.url);

    expect((await browser.post("/api/v1/signup", { email, password: secrets.signupPassword })).status).toBe(
      202,
    );
    secrets.activationToken = tokenFrom(
      (await patiently(() => mailTo(stack.url, email, /Activate/))).links,
      "/activate",
    );
    expect(
      (await browser.post("/api/v1/activation/confirm", { token: secrets.activationToken })).status,
    ).toBe(200);
    const login = await until(
      () => browser.post("/api/v1/login", { email, password: secrets.signupPassword! }),
      (a) => a.status === 200,
    );
    expect(login.status).toBe(200);
    secrets.sessionToken = login.body.token as string;
    secrets.csrfToken = login.body.csrfToken as string;
    expect(
      (await new Client(stack.url).post("/api/v1/login", { email, password: secrets.wrongPassword })).status,
    ).toBe(401);
    expect((await browser.get("/api/v1/me")).status).toBe(200);
    const change = await browser.post("/api/v1/password/change", {
      currentPassword: secrets.signupPassword,
      newPassword: secrets.changedPassword,
    });
    expect(change.status).toBe(200);
    expect((await browser.post("/api/v1/password/forgot", { email })).status).toBe(202);
    secrets.resetToken = tokenFrom(
      (await patiently(() => mailTo(stack.url, email, /Reset/))).links,
      "/reset-password",
    );
    const reset = await new Client(stack.url).post("/api/v1/password/reset", {
      token: secrets.resetToken,
      password: secrets.resetPassword,
    });
    expect(reset.status).toBe(200);
    const again = new Client(stack.url);
    const second = await until(
      () => again.post("/api/v1/login", { email, password: secrets.resetPassword! }),
      (a) => a.status === 200,
    );
    secrets.secondSessionToken = second.body.token as string;
    secrets.secondCsrfToken = second.body.csrfToken as string;
    expect((await again.post("/api/v1/logout")).status).toBe(204);
    // The journey's last mail: everything it caused has gone through the log.
    await patiently(() => mailTo(stack.url, email, /password was changed/i, 1));

    const { platform } = stack;
    const accounts = await platform.databases.forService("accounts");
    const [user] = await accounts.query<{ password_hash: string }>(
      `select password_hash from "${platform.schemaOf("accounts")}".users where email = $1`,
      [email],
    );
    const hash = user!.password_hash;
    expect(hash).toMatch(/^\$argon2id\$/);

    const topics = (await platform.transport.listTopics()).map((t) => t.topic);
    const onTopic = new Map<string, string[]>();
    for (const topic of topics) {
      const deliveries = await platform.transport.read(topic, { limit: 100_000, fromTimestamp: started });
      onTopic.set(
        topic,
        deliveries
          // The dev mailbox's answers carry the caught mails (this test reading its inbox through
          // GET /api/v1/dev/mailbox); they exist only while the catcher is on (docs/security.md).
          .filter((d) => d.envelope.type !== listMailbox.reply.type)
          .map((d) => JSON.stringify(d.envelope)),
      );
    }
    expect(topics).toContain("credentials");
    const logs = capture.text;
    expect(capture.lines.length).toBeGreaterThan(10);

    for (const [what, secret] of Object.entries(secrets)) {
      expect(secret.length, what).toBeGreaterThanOrEqual(16);
      expect(logs.includes(secret), `${what} in a log line`).toBe(false);
      for (const [topic, messages] of onTopic) {
        expect(
          messages.some((m) => m.includes(secret)),
          `${what} in a message on ${topic}`,
        ).toBe(false);
      }
    }

    // The argon2 hash: on credentials (which only login reads), nowhere else, never in a log.
    expect(logs.includes(hash), "the password hash in a log line").toBe(false);
    expect(onTopic.get("credentials")!.some((m) => m.includes(hash))).toBe(true);
    for (const [topic, messages] of onTopic) {
      if (topic === "credentials") continue;
      expect(
        messages.some((m) => m.includes(hash)),
        `the password hash on ${topic}`,
      ).toBe(false);
    }
    // Of all hashes: no argon2 string anywhere but credentials.
    for (const [topic, messages] of onTopic) {
      if (topic !== "credentials")
        expect(
          messages.some((m) => m.includes("$argon2")),
          topic,
        ).toBe(false);
    }
    expect(logs.includes("$argon2")).toBe(false);
  });

  it("only login consumes the credentials topic", () => {
    const consumers = [...stack.platform.contexts.entries()]
      .filter(([, ctx]) => ctx.assignment().some((p) => p.startsWith("credentials:")))
      .map(([name]) => name);
    expect(consumers).toEqual(["login"]);
  });
});
