import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  credentialsChanged,
  getProfile,
  listUsers,
  userChanged,
  userRegistered,
} from "../../../src/contracts/accounts/index.ts";
import {
  activationExpired,
  confirmActivation,
  resendActivation,
} from "../../../src/contracts/activation/index.ts";
import { newId } from "../../../src/platform/ids.ts";
import { sweepExpired } from "../../../src/services/activation/service.ts";
import { waitFor } from "../../support/index.ts";
import { HOUR, Harness, newEmail, strongPassword } from "../accounts/harness.ts";

describe("activation: the signup → activation saga", () => {
  const h = new Harness();
  const confirm = (tokenHash: string, key = tokenHash) => h.request(confirmActivation, key, { tokenHash });

  beforeAll(() => h.start());
  afterAll(() => h.stop());
  afterEach(() => h.clock.reset());

  it("mails a sealed link on signup whose token activates the account once", async () => {
    const email = newEmail();
    await h.signUp(email, strongPassword(), { fullName: "Ada Lovelace", phone: "+44 20 7946 0000" });

    const registered = await waitFor("user.registered", async () =>
      (await h.messages(userRegistered)).find((e) => e.email === email),
    );
    const mail = await h.mail(email, "activation");
    expect(mail.link).not.toContain("token=");
    const { url, tokenHash } = h.openLink(mail.link);
    expect(`${url.origin}${url.pathname}`).toBe("http://app.test/activate");
    expect(new Date(mail.expiresAt).getTime() - Date.now()).toBeGreaterThan(23 * HOUR);

    const pending = await h.request(getProfile, registered.userId, { userId: registered.userId });
    expect(pending).toMatchObject({
      email,
      status: "PENDING",
      role: "user",
      fullName: "Ada Lovelace",
      phone: "+44 20 7946 0000",
    });

    await expect(confirm(tokenHash)).resolves.toEqual({ status: "active", userId: registered.userId });
    await h.waitForStatus(registered.userId, "ACTIVE");
    await expect(confirm(tokenHash)).rejects.toMatchObject({ code: "TOKEN_INVALID" });

    // What the other services observe: full states keyed by user id, the hash only on the credentials channel.
    const changes = (await h.messages(userChanged)).filter((e) => e.id === registered.userId);
    expect(changes.map((c) => [c.change, c.status, c.version])).toEqual([
      ["registered", "PENDING", 1],
      ["activated", "ACTIVE", 2],
    ]);
    expect(changes.every((c) => !("passwordHash" in c))).toBe(true);
    const credentials = (await h.messages(credentialsChanged)).filter((e) => e.userId === registered.userId);
    expect(credentials.map((c) => c.status)).toEqual(["PENDING", "ACTIVE"]);
    expect(credentials[0]?.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it("lets exactly one of concurrent redemptions of a token win", async () => {
    const email = newEmail();
    await h.signUp(email, strongPassword());
    const { tokenHash } = h.openLink((await h.mail(email, "activation")).link);
    // Distinct keys spread the requests over partitions, so they are handled concurrently.
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => confirm(tokenHash, newId())));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes)
      if (o.status === "rejected") expect(o.reason).toMatchObject({ code: "TOKEN_INVALID" });
  });

  it("refuses unknown and expired tokens", async () => {
    await expect(confirm("0".repeat(64))).rejects.toMatchObject({ code: "TOKEN_INVALID" });

    const email = newEmail();
    await h.signUp(email, strongPassword());
    const { tokenHash } = h.openLink((await h.mail(email, "activation")).link);
    const userId = await h.userIdOf(email);
    h.clock.advance(24 * HOUR + 1000);
    await expect(confirm(tokenHash)).rejects.toMatchObject({ code: "TOKEN_INVALID" });
    expect((await h.request(getProfile, userId, { userId })).status).toBe("PENDING");
  });

  it("mails the owner instead of storing a duplicate signup", async () => {
    const email = newEmail();
    await h.signUp(email, strongPassword());
    const userId = await h.userIdOf(email);
    const second = await h.signUp(email.toUpperCase(), strongPassword(), { fullName: "Somebody Else" });
    await h.handled("accounts", second);

    expect(await h.mail(email, "already-registered")).toEqual({
      loginLink: "http://app.test/login",
      resetLink: "http://app.test/forgot-password",
    });
    const { users } = await h.request(listUsers, "test", { query: email });
    expect(users.map((u) => u.id)).toEqual([userId]);
    expect(users[0]?.fullName).toBeNull();
    expect(await h.mails(email, "activation")).toHaveLength(1);
  });

  it("voids the older link when a new one is sent", async () => {
    const email = newEmail();
    await h.signUp(email, strongPassword());
    const first = h.openLink((await h.mail(email, "activation")).link);
    await h.send(resendActivation, email, { email });
    const second = h.openLink((await h.mail(email, "activation", 2)).link);
    expect(second.tokenHash).not.toBe(first.tokenHash);

    await expect(confirm(first.tokenHash)).rejects.toMatchObject({ code: "TOKEN_INVALID" });
    const { userId } = await confirm(second.tokenHash);
    await h.waitForStatus(userId, "ACTIVE");

    // Activated, or unknown: a resend does nothing.
    const again = await h.send(resendActivation, email, { email });
    const unknown = newEmail();
    const nobody = await h.send(resendActivation, unknown, { email: unknown });
    await h.handled("activation", again);
    await h.handled("activation", nobody);
    expect(await h.mails(email, "activation")).toHaveLength(2);
    expect(await h.mails(unknown, "activation")).toHaveLength(0);
  });

  it("expires a signup never activated, which frees the email for a new signup", async () => {
    const email = newEmail();
    await h.signUp(email, strongPassword());
    const old = h.openLink((await h.mail(email, "activation")).link);
    const oldId = await h.userIdOf(email);
    const activated = await h.activeUser();

    h.clock.advance(71 * HOUR);
    const ctx = h.context("activation");
    const early = await sweepExpired(ctx, h.clock.now());
    expect((await h.messages(activationExpired)).some((e) => e.userId === oldId)).toBe(false);
    expect(early).toBe(0);

    h.clock.advance(HOUR + 1000);
    expect(await sweepExpired(ctx, h.clock.now())).toBeGreaterThanOrEqual(1);
    await h.waitForStatus(oldId, "EXPIRED");
    await expect(confirm(old.tokenHash)).rejects.toMatchObject({ code: "TOKEN_INVALID" });
    expect((await h.request(getProfile, activated.userId, { userId: activated.userId })).status).toBe(
      "ACTIVE",
    );
    expect((await h.messages(activationExpired)).filter((e) => e.userId === oldId)).toHaveLength(1);
    expect(await sweepExpired(ctx, h.clock.now())).toBe(0);

    // The same email signs up again: a new user, a new link, which works.
    await h.signUp(email, strongPassword());
    const fresh = h.openLink((await h.mail(email, "activation", 2)).link);
    const { userId } = await confirm(fresh.tokenHash);
    expect(userId).not.toBe(oldId);
    await h.waitForStatus(userId, "ACTIVE");
    expect((await h.request(getProfile, oldId, { userId: oldId })).status).toBe("EXPIRED");
  });
});

describe("activation: the expiry timer", () => {
  const h = new Harness({}, { sweepEveryMs: 50 });

  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it("expires unactivated signups by itself once their deadline passes", async () => {
    const email = newEmail();
    await h.signUp(email, strongPassword());
    const userId = await h.userIdOf(email);
    await h.mail(email, "activation");
    h.clock.advance(72 * HOUR + 1000);
    await h.waitForStatus(userId, "EXPIRED");
  });
});
