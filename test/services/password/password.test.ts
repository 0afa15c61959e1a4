import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  changePassword,
  createAdmin,
  credentialsChanged,
  setPassword,
  suspendUser,
} from "../../../src/contracts/accounts/index.ts";
import { requestPasswordReset, resetPassword } from "../../../src/contracts/password/index.ts";
import { newId } from "../../../src/platform/ids.ts";
import { waitFor } from "../../support/index.ts";
import { Harness, MINUTE, newEmail, strongPassword } from "../accounts/harness.ts";

describe("password: forgotten-password reset", () => {
  const h = new Harness();

  beforeAll(() => h.start());
  afterAll(() => h.stop());
  afterEach(() => h.clock.reset());

  /** password's view learns of the activation from user.changed: eventually, like any view. */
  async function knownActive(userId: string): Promise<void> {
    const db = await h.platform.databases.forService("password");
    await waitFor("password's view to see the user ACTIVE", async () => {
      const rows = await db.query(
        `select 1 from "${h.platform.schemaOf("password")}".users where id = $1 and status = 'ACTIVE'`,
        [userId],
      );
      return rows.length === 1;
    });
  }

  async function activeUser() {
    const user = await h.activeUser();
    await knownActive(user.userId);
    return user;
  }

  async function forgot(email: string, count = 1) {
    await h.send(requestPasswordReset, email, { email });
    const mail = await h.mail(email, "password-reset", count);
    return { ...mail, ...h.openLink(mail.link) };
  }

  const reset = (tokenHash: string, password: string, key = tokenHash) =>
    h.request(resetPassword, key, { tokenHash, password: h.seal(password) });
  const change = (userId: string, current: string, next: string) =>
    h.request(changePassword, userId, {
      userId,
      sessionId: newId(),
      currentPassword: h.seal(current),
      newPassword: h.seal(next),
    });

  it("mails a sealed link whose token sets a new password in accounts", async () => {
    const user = await activeUser();
    const mail = await forgot(user.email);
    expect(mail.link).not.toContain("token=");
    expect(`${mail.url.origin}${mail.url.pathname}`).toBe("http://app.test/reset-password");
    expect(new Date(mail.expiresAt).getTime() - Date.now()).toBeGreaterThan(29 * MINUTE);

    const next = strongPassword();
    await expect(reset(mail.tokenHash, next)).resolves.toEqual({ status: "password_changed" });
    await h.mail(user.email, "password-changed");
    const credentials = await waitFor("credentials of the reset", async () =>
      (await h.messages(credentialsChanged)).find(
        (e) => e.userId === user.userId && e.reason === "password-reset",
      ),
    );
    expect(credentials.revokeSessions).toBe("all");
    // The sealed password on the log is not the plaintext.
    const command = (await h.messages(setPassword)).find((c) => c.userId === user.userId);
    expect(command?.password).not.toContain(next);
    expect(h.platform.sealer.unseal(command?.password ?? "")).toBe(next);

    // accounts holds the new hash: the old password no longer works, the new one does.
    await expect(change(user.userId, user.password, strongPassword())).rejects.toMatchObject({
      code: "INVALID_CREDENTIALS",
    });
    await expect(change(user.userId, next, strongPassword())).resolves.toEqual({
      status: "password_changed",
    });
    await expect(reset(mail.tokenHash, strongPassword())).rejects.toMatchObject({ code: "TOKEN_INVALID" });
  });

  it("lets exactly one of 20 parallel redemptions of a token succeed", async () => {
    const user = await activeUser();
    const { tokenHash } = await forgot(user.email);
    // Distinct keys spread the requests over partitions, so they are handled concurrently.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => reset(tokenHash, strongPassword(), newId())),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes)
      if (o.status === "rejected") expect(o.reason).toMatchObject({ code: "TOKEN_INVALID" });
    const winner = await waitFor("one set-password", async () => {
      const commands = (await h.messages(setPassword)).filter((c) => c.userId === user.userId);
      return commands.length > 0 ? commands : undefined;
    });
    expect(winner).toHaveLength(1);
  });

  it("refuses a weak password and keeps the token usable", async () => {
    const user = await activeUser();
    const { tokenHash } = await forgot(user.email);
    const weak = await reset(tokenHash, "12345678").catch((e: unknown) => e);
    expect(weak).toMatchObject({ code: "PASSWORD_TOO_WEAK", details: [{ path: "password" }] });
    await expect(reset(tokenHash, user.email)).rejects.toMatchObject({ code: "PASSWORD_TOO_WEAK" });
    await expect(reset(tokenHash, strongPassword())).resolves.toEqual({ status: "password_changed" });
  });

  it("refuses unknown and expired tokens, and links a newer one voided", async () => {
    await expect(reset("f".repeat(64), strongPassword())).rejects.toMatchObject({ code: "TOKEN_INVALID" });
    const user = await activeUser();
    const first = await forgot(user.email);
    const second = await forgot(user.email, 2);
    await expect(reset(first.tokenHash, strongPassword())).rejects.toMatchObject({ code: "TOKEN_INVALID" });

    h.clock.advance(30 * MINUTE + 1000);
    await expect(reset(second.tokenHash, strongPassword())).rejects.toMatchObject({ code: "TOKEN_INVALID" });
    h.clock.reset();
    await expect(reset(second.tokenHash, strongPassword())).resolves.toEqual({ status: "password_changed" });
  });

  it("mails nobody for an unknown, PENDING or suspended email, and voids a suspended user's links", async () => {
    const unknown = newEmail();
    const pending = newEmail();
    await h.signUp(pending, strongPassword());
    await h.userIdOf(pending);
    const user = await activeUser();
    const open = await forgot(user.email);

    const adminEmail = newEmail("admin");
    const admin = await h.request(createAdmin, adminEmail, {
      email: adminEmail,
      password: h.seal(strongPassword()),
    });
    await h.request(suspendUser, user.userId, { userId: user.userId, by: admin.userId, reason: "Abuse" });
    const db = await h.platform.databases.forService("password");
    await waitFor("password's view to see the suspension", async () => {
      const rows = await db.query(
        `select 1 from "${h.platform.schemaOf("password")}".users where id = $1 and status = 'SUSPENDED'`,
        [user.userId],
      );
      return rows.length === 1;
    });
    await expect(reset(open.tokenHash, strongPassword())).rejects.toMatchObject({ code: "TOKEN_INVALID" });

    const requests = [unknown, pending, user.email].map((email) =>
      h.send(requestPasswordReset, email, { email }),
    );
    for (const envelope of await Promise.all(requests)) await h.handled("password", envelope);
    expect(await h.mails(unknown, "password-reset")).toHaveLength(0);
    expect(await h.mails(pending, "password-reset")).toHaveLength(0);
    expect(await h.mails(user.email, "password-reset")).toHaveLength(1);
  });
});
