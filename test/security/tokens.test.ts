import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceName } from "../../src/platform/config.ts";
import { newToken } from "../../src/platform/ids.ts";
import { hashToken } from "../../src/platform/secrets.ts";
import type { Stack, StackKind } from "../e2e/stack.ts";
import { Client, mailTo, stackKinds, startStack, tokenFrom, until } from "../e2e/stack.ts";
import { serviceSchemas, activeUser, newEmail, strongPassword, patiently } from "./support.ts";

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Bits of a base64url token (no padding): 6 per character. */
const bitsOf = (token: string) => Buffer.from(token, "base64url").length * 8;

/**
 * Activation and reset tokens over HTTP: length and entropy of what is mailed, storage as hashes
 * only, single use under 20 parallel redemptions, voided by a newer link, and a reset that does
 * not sign anyone in. (Expiry is proven with a movable clock in token-expiry.test.ts.)
 */
describe.each(stackKinds())("tokens (%s)", { timeout: 300_000 }, (kind: StackKind) => {
  let stack: Stack;
  /** Every token the tests saw in clear text, to look for in the tables. */
  const seen: { kind: string; token: string }[] = [];

  beforeAll(async () => {
    stack = await startStack(kind);
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  async function forgot(email: string, after = 0): Promise<string> {
    const answer = await new Client(stack.url).post("/api/v1/password/forgot", { email });
    expect(answer.status).toBe(202);
    const mail = await patiently(() => mailTo(stack.url, email, /Reset/, after));
    const token = tokenFrom(mail.links, "/reset-password");
    seen.push({ kind: "reset", token });
    return token;
  }

  it("the token generator draws 256 bits from the CSPRNG, and its output looks uniform", () => {
    const tokens = Array.from({ length: 2000 }, () => newToken());
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const t of tokens.slice(0, 50)) expect(bitsOf(t)).toBe(256);
    // Every bit position is set in about half of the tokens (binomial, n=2000: 5 sigma ≈ 0.056).
    const bytes = tokens.map((t) => Buffer.from(t, "base64url"));
    for (let bit = 0; bit < 256; bit++) {
      const ones = bytes.filter((b) => (b[bit >> 3]! >> (bit & 7)) & 1).length;
      expect(Math.abs(ones / tokens.length - 0.5)).toBeLessThan(0.06);
    }
  });

  it("mailed activation and reset tokens carry at least 128 bits and never repeat", async () => {
    const users = await Promise.all([activeUser(stack), activeUser(stack)]);
    const activation = users.map((u) => u.activationToken);
    seen.push(...activation.map((token) => ({ kind: "activation", token })));
    const reset = await Promise.all(users.map((u) => forgot(u.email)));
    for (const token of [...activation, ...reset]) {
      expect(token).toMatch(BASE64URL);
      expect(bitsOf(token)).toBeGreaterThanOrEqual(128);
    }
    expect(new Set([...activation, ...reset]).size).toBe(4);
  });

  it("an activation token works once, and a resent link voids the older one", async () => {
    const email = newEmail();
    const password = strongPassword();
    const client = new Client(stack.url);
    expect((await client.post("/api/v1/signup", { email, password })).status).toBe(202);
    const first = tokenFrom((await patiently(() => mailTo(stack.url, email, /Activate/))).links, "/activate");
    expect((await client.post("/api/v1/activation/resend", { email })).status).toBe(202);
    const second = tokenFrom(
      (await patiently(() => mailTo(stack.url, email, /Activate/, 1))).links,
      "/activate",
    );
    seen.push({ kind: "activation", token: first }, { kind: "activation", token: second });
    expect(second).not.toBe(first);

    const old = await client.post("/api/v1/activation/confirm", { token: first });
    expect(old.status).toBe(400);
    expect(old.body.error?.code).toBe("TOKEN_INVALID");
    expect((await client.post("/api/v1/activation/confirm", { token: second })).status).toBe(200);
    const again = await client.post("/api/v1/activation/confirm", { token: second });
    expect(again.status).toBe(400);
    expect(again.body.error?.code).toBe("TOKEN_INVALID");
  });

  it("of 20 parallel redemptions of one reset token exactly one succeeds, and it signs nobody in", async () => {
    const user = await activeUser(stack);
    const token = await forgot(user.email);
    const passwords = Array.from({ length: 20 }, () => strongPassword());
    const answers = await Promise.all(
      passwords.map((password) => new Client(stack.url).post("/api/v1/password/reset", { token, password })),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a.status).toBe(400);
      expect(a.body.error?.code).toBe("TOKEN_INVALID");
    }
    // No session: no cookie, no token in the body; only the status.
    const winner = winners[0]!;
    expect(winner.headers.getSetCookie()).toEqual([]);
    expect(winner.body).toEqual({ status: "password_changed" });

    // The password that won is the one now in force; the token stays spent.
    const chosen = passwords[answers.indexOf(winner)]!;
    const login = await until(
      () => new Client(stack.url).post("/api/v1/login", { email: user.email, password: chosen }),
      (a) => a.status === 200,
    );
    expect(login.status).toBe(200);
    const replay = await new Client(stack.url).post("/api/v1/password/reset", {
      token,
      password: strongPassword(),
    });
    expect(replay.body.error?.code).toBe("TOKEN_INVALID");
  });

  it("a newer reset link voids the older one", async () => {
    const user = await activeUser(stack);
    const older = await forgot(user.email);
    const newer = await forgot(user.email, 1);
    expect(newer).not.toBe(older);
    const client = new Client(stack.url);
    const stale = await client.post("/api/v1/password/reset", { token: older, password: strongPassword() });
    expect(stale.status).toBe(400);
    expect(stale.body.error?.code).toBe("TOKEN_INVALID");
    const fresh = await client.post("/api/v1/password/reset", { token: newer, password: strongPassword() });
    expect(fresh.status).toBe(200);
  });

  it("no table of any service holds a token in clear; activation and reset tables hold their SHA-256", async () => {
    expect(seen.length).toBeGreaterThanOrEqual(6);
    const { platform } = stack;
    // The mailer's `mailbox` is the embedded SMTP catcher's inbox, i.e. the user's mailbox: a
    // delivered link is supposed to be there. Everything else must not hold a token.
    const services = serviceSchemas;
    for (const service of services) {
      const db = await platform.databases.forService(service);
      const schema = platform.schemaOf(service);
      const tables = await db.query<{ table_name: string }>(
        `select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE'`,
        [schema],
      );
      for (const { table_name: table } of tables) {
        if (service === "mailer" && table === "mailbox") continue;
        const rows = await db.query<{ row: string }>(`select t::text as row from "${schema}"."${table}" t`);
        const text = rows.map((r) => r.row).join("\n");
        for (const { kind: what, token } of seen) {
          expect(text.includes(token), `${what} token in clear in ${service}.${table}`).toBe(false);
        }
      }
    }
    const hashes = async (service: ServiceName, table: string) => {
      const db = await platform.databases.forService(service);
      const rows = await db.query<{ token_hash: string }>(
        `select token_hash from "${platform.schemaOf(service)}"."${table}"`,
      );
      return new Set(rows.map((r) => r.token_hash));
    };
    const activation = await hashes("activation", "tokens");
    const reset = await hashes("password", "reset_tokens");
    for (const { kind: what, token } of seen) {
      expect((what === "activation" ? activation : reset).has(hashToken(token)), `${what} hash stored`).toBe(
        true,
      );
    }
  });
});
