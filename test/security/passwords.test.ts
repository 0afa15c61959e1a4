import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commonPasswordCount } from "../../src/contracts/accounts/password-policy.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { PasswordHasher } from "../../src/platform/password-hashing.ts";
import { unique } from "../support/index.ts";
import type { Stack, StackKind } from "../e2e/stack.ts";
import { Client, mailTo, stackKinds, startStack, tokenFrom, until } from "../e2e/stack.ts";
import { activeUser, newEmail, strongPassword, patiently } from "./support.ts";

/**
 * The password rules over HTTP (ASVS 6.2): at least 8 characters, up to 128 accepted, any
 * composition, the most common passwords and the email's local part refused at signup, change
 * and reset, the password checked exactly as typed, and a change that needs the current one
 * and tells the owner by mail.
 */
describe.each(stackKinds())("password rules (%s)", { timeout: 300_000 }, (kind: StackKind) => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(kind);
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const signup = (email: string, password: string) =>
    new Client(stack.url).post("/api/v1/signup", { email, password });
  /** The "password was changed" mail (a busy machine may need more than one mailbox wait). */
  const changedMail = (email: string) => patiently(() => mailTo(stack.url, email, /password was changed/i));
  const weak = (a: { status: number; body: { error?: { code: string } } }) =>
    a.status === 400 && a.body.error?.code === "PASSWORD_TOO_WEAK";

  it("stores passwords with argon2id at OWASP's parameters by default (m=19456 KiB, t=2, p=1)", async () => {
    const config = loadConfig({});
    expect([config.ARGON2_MEMORY_KIB, config.ARGON2_ITERATIONS]).toEqual([19_456, 2]);
    const hasher = new PasswordHasher({
      memoryKiB: config.ARGON2_MEMORY_KIB,
      iterations: config.ARGON2_ITERATIONS,
    });
    const hash = await hasher.hash("correct horse battery staple");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(hash, "correct horse battery staple")).toBe(true);
    expect(await hasher.verify(hash, "correct horse battery stapl")).toBe(false);
  });

  it("refuses fewer than 8 characters, common passwords and the email's local part, at signup", async () => {
    expect(commonPasswordCount).toBeGreaterThanOrEqual(3000);
    const local = unique("marguerite");
    expect(weak(await signup(newEmail(), "7-chars"))).toBe(true);
    expect(weak(await signup(newEmail(), "password1"))).toBe(true);
    expect(weak(await signup(newEmail(), "Qwertyuiop"))).toBe(true);
    expect(weak(await signup(`${local}@example.test`, `my ${local} secret`))).toBe(true);
    expect((await signup(newEmail(), "8 chars!")).status).toBe(202);
  });

  it("accepts any composition and up to 128 characters, and checks the password exactly as typed", async () => {
    const passwords = [
      "only lower case letters here",
      "٣٤٥٦٧٨٩٠١٢٣", // Arabic-Indic digits only
      "😀🔐🌊🦉 emoji and spaces",
      `${"a long passphrase ".repeat(3)}1234`.slice(0, 64),
      `${"x".repeat(120)}${unique("t").slice(-8)}`.slice(0, 128),
    ];
    for (const password of passwords) {
      const { email, client } = await activeUser(stack, { password });
      expect((await client.get("/api/v1/me")).status).toBe(200);
      // Not truncated, not case-folded, not trimmed (4 tries: below the lock threshold of 5).
      const variants = [
        password.toUpperCase() === password ? `${password}x` : password.toUpperCase(),
        `${password} `,
        ` ${password}`,
        password.slice(0, -1),
      ];
      for (const variant of variants) {
        const answer = await new Client(stack.url).post("/api/v1/login", { email, password: variant });
        expect(answer.status, `${JSON.stringify(variant)} for ${JSON.stringify(password)}`).toBe(401);
      }
      expect((await new Client(stack.url).post("/api/v1/login", { email, password })).status).toBe(200);
    }
    expect(weak(await signup(newEmail(), "y".repeat(129)))).toBe(true);
  });

  it("a change needs the current password and a different new one, applies the policy, and mails the owner", async () => {
    const { email, password, client } = await activeUser(stack);
    const wrong = await client.post("/api/v1/password/change", {
      currentPassword: `${password}!`,
      newPassword: strongPassword(),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.code).toBe("INVALID_CREDENTIALS");
    const missing = await client.post("/api/v1/password/change", { newPassword: strongPassword() });
    expect(missing.status).toBe(400);
    const common = await client.post("/api/v1/password/change", {
      currentPassword: password,
      newPassword: "iloveyou1",
    });
    expect(weak(common)).toBe(true);
    // The same password again is no change: refused before anything happens, the session kept.
    const same = await client.post("/api/v1/password/change", {
      currentPassword: password,
      newPassword: password,
    });
    expect(same.status).toBe(400);
    expect(same.body.error).toMatchObject({
      code: "VALIDATION_FAILED",
      details: [{ path: "newPassword", message: "the new password is the current one; choose another" }],
    });
    expect((await client.get("/api/v1/me")).status).toBe(200);
    const next = strongPassword();
    expect(
      (await client.post("/api/v1/password/change", { currentPassword: password, newPassword: next })).status,
    ).toBe(200);
    await changedMail(email);
    expect((await new Client(stack.url).post("/api/v1/login", { email, password })).status).toBe(401);
    expect((await new Client(stack.url).post("/api/v1/login", { email, password: next })).status).toBe(200);
  });

  it("a reset applies the policy too, keeps the link usable after a refusal, and mails the owner", async () => {
    const { email } = await activeUser(stack);
    expect((await new Client(stack.url).post("/api/v1/password/forgot", { email })).status).toBe(202);
    const token = tokenFrom(
      (await patiently(() => mailTo(stack.url, email, /Reset/))).links,
      "/reset-password",
    );
    const client = new Client(stack.url);
    expect(weak(await client.post("/api/v1/password/reset", { token, password: "football1" }))).toBe(true);
    expect(weak(await client.post("/api/v1/password/reset", { token, password: "short" }))).toBe(true);
    const next = strongPassword();
    expect((await client.post("/api/v1/password/reset", { token, password: next })).status).toBe(200);
    const login = await until(
      () => new Client(stack.url).post("/api/v1/login", { email, password: next }),
      (a) => a.status === 200,
    );
    expect(login.status).toBe(200);
    await changedMail(email);
  });
});
