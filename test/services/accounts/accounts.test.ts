import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  changePassword,
  createAdmin,
  credentialsChanged,
  getProfile,
  listUsers,
  suspendUser,
  unsuspendUser,
  updateProfile,
  userChanged,
} from "../../../src/contracts/accounts/index.ts";
import { activationExpired } from "../../../src/contracts/activation/index.ts";
import { newId } from "../../../src/platform/ids.ts";
import { unique, waitFor } from "../../support/index.ts";
import { Harness, newEmail, strongPassword } from "./harness.ts";

describe("accounts: the source of truth for users", () => {
  const h = new Harness();
  let admin: { userId: string; email: string };

  beforeAll(async () => {
    await h.start();
    const email = newEmail("admin");
    const { userId } = await h.request(createAdmin, email, { email, password: h.seal(strongPassword()) });
    admin = { userId, email };
  });
  afterAll(() => h.stop());

  const change = (userId: string, currentPassword: string, newPassword: string, sessionId = newId()) =>
    h.request(changePassword, userId, {
      userId,
      sessionId,
      currentPassword: h.seal(currentPassword),
      newPassword: h.seal(newPassword),
    });

  it("answers a read-only command without an inbox row or an outbox write, every time it is asked", async () => {
    const email = newEmail();
    await h.signUp(email, strongPassword(), { fullName: "Ada Byron" });
    const userId = await h.userIdOf(email);
    const db = await h.platform.databases.forService("accounts");
    const schema = h.platform.schemaOf("accounts");
    const inboxRows = async () =>
      (
        await db.query<{ n: number }>(
          `select count(*)::int as n from "${schema}".inbox where consumer = 'accounts.get-profile'`,
        )
      )[0]?.n;
    const before = await inboxRows();
    const answers = await Promise.all([1, 2, 3].map(() => h.request(getProfile, userId, { userId })));
    expect(answers.map((a) => a.fullName)).toEqual(["Ada Byron", "Ada Byron", "Ada Byron"]);
    expect(await inboxRows()).toBe(before);
    expect(before).toBe(0);
  });

  it("changes a password only with the current one, and only to a strong one", async () => {
    const user = await h.activatedInAccounts();
    await expect(change(user.userId, "not-the-password-at-all", strongPassword())).rejects.toMatchObject({
      code: "INVALID_CREDENTIALS",
    });
    const weak = await change(user.userId, user.password, "password").catch((e: unknown) => e);
    expect(weak).toMatchObject({ code: "PASSWORD_TOO_WEAK", details: [{ path: "newPassword" }] });
    const containsEmail = await change(
      user.userId,
      user.password,
      `my-${user.email.split("@")[0]}-pass`,
    ).catch((e: unknown) => e);
    expect(containsEmail).toMatchObject({ code: "PASSWORD_TOO_WEAK", details: [{ path: "newPassword" }] });
    const before = (await h.messages(userChanged)).filter((e) => e.id === user.userId).length;

    const sessionId = newId();
    const next = strongPassword();
    await expect(change(user.userId, user.password, next, sessionId)).resolves.toEqual({
      status: "password_changed",
    });
    await h.mail(user.email, "password-changed");
    const credentials = await waitFor("credentials with the new hash", async () =>
      (await h.messages(credentialsChanged)).find(
        (e) => e.userId === user.userId && e.reason === "password-change",
      ),
    );
    expect(credentials).toMatchObject({
      revokeSessions: "all-but-one",
      keepSessionId: sessionId,
      status: "ACTIVE",
    });
    // Refusals changed nothing: only the successful change made a new version.
    const changes = (await h.messages(userChanged)).filter((e) => e.id === user.userId);
    expect(changes.length).toBe(before + 1);
    expect(changes.at(-1)).toMatchObject({ change: "password-changed", version: credentials.version });

    await expect(change(user.userId, user.password, strongPassword())).rejects.toMatchObject({
      code: "INVALID_CREDENTIALS",
    });
    await expect(change(user.userId, next, strongPassword())).resolves.toEqual({
      status: "password_changed",
    });
    await expect(change(newId(), next, strongPassword())).rejects.toMatchObject({ code: "USER_NOT_FOUND" });
  });

  it("reads and updates a profile", async () => {
    const email = newEmail();
    await h.signUp(email, strongPassword(), { fullName: "Grace Hopper", address: "1 Navy Way" });
    const userId = await h.userIdOf(email);
    const profile = await h.request(getProfile, userId, { userId });
    expect(profile).toEqual({
      id: userId,
      email,
      role: "user",
      status: "PENDING",
      fullName: "Grace Hopper",
      phone: null,
      address: "1 Navy Way",
      createdAt: expect.any(String) as string,
    });

    const updated = await h.request(updateProfile, userId, { userId, phone: "+1 555 0100", address: null });
    expect(updated).toMatchObject({ fullName: "Grace Hopper", phone: "+1 555 0100", address: null });
    expect(await h.request(getProfile, userId, { userId })).toEqual(updated);
    const same = await h.request(updateProfile, userId, { userId, phone: "+1 555 0100" });
    expect(same).toEqual(updated);

    const changes = await waitFor("user.changed profile-updated", async () => {
      const all = (await h.messages(userChanged)).filter((e) => e.id === userId);
      return all.length === 2 ? all : undefined;
    });
    expect(changes.map((c) => [c.change, c.version])).toEqual([
      ["registered", 1],
      ["profile-updated", 2],
    ]);
    await expect(h.request(getProfile, "x", { userId: newId() })).rejects.toMatchObject({
      code: "USER_NOT_FOUND",
    });
    await expect(h.request(updateProfile, "x", { userId: newId(), phone: null })).rejects.toMatchObject({
      code: "USER_NOT_FOUND",
    });
  });

  it("lists users newest first, filtered, one page per cursor", async () => {
    const marker = unique("list");
    const emails: string[] = [];
    for (let i = 0; i < 5; i++) {
      const email = `${marker}-${i}@example.test`;
      emails.push(email);
      await h.signUp(email, strongPassword(), {
        fullName: i === 2 ? `Zed ${marker.toUpperCase()}` : `Person ${i}`,
      });
      await h.userIdOf(email);
    }
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await h.request(listUsers, "test", {
        query: marker.toUpperCase(),
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      pages.push(page.users.map((u) => u.email));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...emails].reverse());

    const third = emails[2] ?? "";
    const byName = await h.request(listUsers, "test", { query: `zed ${marker}` });
    expect(byName.users.map((u) => u.email)).toEqual([third]);
    await h.activatedInAccounts(`${marker}-active@example.test`);
    const active = await h.request(listUsers, "test", { query: marker, status: "ACTIVE" });
    expect(active.users.map((u) => u.email)).toEqual([`${marker}-active@example.test`]);
    expect((await h.request(listUsers, "test", { query: marker, status: "PENDING" })).users).toHaveLength(5);
    expect((await h.request(listUsers, "test", { query: "%" })).users).toHaveLength(0);
    await expect(h.request(listUsers, "test", { cursor: "bm90LWEtY3Vyc29y" })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
      details: [{ path: "cursor" }],
    });
  });

  it("suspends and unsuspends a user, by an admin only", async () => {
    const user = await h.activatedInAccounts();
    const suspend = (userId: string, by: string) =>
      h.request(suspendUser, userId, { userId, by, reason: "Chargeback fraud" });

    await expect(suspend(admin.userId, admin.userId)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(suspend(admin.userId, user.userId)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(suspend(newId(), admin.userId)).rejects.toMatchObject({ code: "USER_NOT_FOUND" });

    expect(await suspend(user.userId, admin.userId)).toMatchObject({ status: "SUSPENDED" });
    const suspended = await waitFor("credentials of the suspension", async () =>
      (await h.messages(credentialsChanged)).find(
        (e) => e.userId === user.userId && e.status === "SUSPENDED",
      ),
    );
    expect(suspended).toMatchObject({ revokeSessions: "all", reason: "suspended" });
    const event = (await h.messages(userChanged)).find(
      (e) => e.id === user.userId && e.change === "suspended",
    );
    expect(event?.suspendedReason).toBe("Chargeback fraud");
    await expect(change(user.userId, user.password, strongPassword())).rejects.toMatchObject({
      code: "ACCOUNT_SUSPENDED",
    });

    const lifted = await h.request(unsuspendUser, user.userId, { userId: user.userId, by: admin.userId });
    expect(lifted.status).toBe("ACTIVE");
    await expect(h.request(unsuspendUser, "x", { userId: newId(), by: admin.userId })).rejects.toMatchObject({
      code: "USER_NOT_FOUND",
    });
    await expect(change(user.userId, user.password, strongPassword())).resolves.toEqual({
      status: "password_changed",
    });
  });

  it("creates an admin once, and never over an existing user", async () => {
    const email = newEmail("boss");
    const first = await h.request(createAdmin, email, { email, password: h.seal(strongPassword()) });
    expect(first.created).toBe(true);
    const again = await h.request(createAdmin, email, {
      email: email.toUpperCase(),
      password: h.seal(strongPassword()),
    });
    expect(again).toEqual({ userId: first.userId, created: false });
    expect(await h.request(getProfile, first.userId, { userId: first.userId })).toMatchObject({
      role: "admin",
      status: "ACTIVE",
    });

    const user = await h.activatedInAccounts();
    const taken = await h.request(createAdmin, user.email, {
      email: user.email,
      password: h.seal(strongPassword()),
    });
    expect(taken).toEqual({ userId: user.userId, created: false });
    expect((await h.request(getProfile, user.userId, { userId: user.userId })).role).toBe("user");
    const weakEmail = newEmail("boss");
    await expect(
      h.request(createAdmin, weakEmail, { email: weakEmail, password: h.seal("password") }),
    ).rejects.toMatchObject({
      code: "PASSWORD_TOO_WEAK",
    });
  });

  it("drops a signup whose password fails the policy, storing and mailing nothing", async () => {
    const email = newEmail();
    const envelope = await h.signUp(email, "short");
    await h.handled("accounts", envelope);
    expect((await h.request(listUsers, "test", { query: email })).users).toHaveLength(0);
    expect(await h.mails(email, "already-registered")).toHaveLength(0);
  });

  it("expires a PENDING user on activation.expired and ignores it for an ACTIVE one", async () => {
    const email = newEmail();
    await h.signUp(email, strongPassword());
    const pendingId = await h.userIdOf(email);
    const active = await h.activatedInAccounts();
    const at = new Date().toISOString();
    await h.send(activationExpired, pendingId, { userId: pendingId, email, at });
    const stale = await h.send(activationExpired, active.userId, {
      userId: active.userId,
      email: active.email,
      at,
    });
    await h.waitForStatus(pendingId, "EXPIRED");
    await h.handled("accounts", stale);
    expect((await h.request(getProfile, active.userId, { userId: active.userId })).status).toBe("ACTIVE");
    // The email is free again.
    await h.signUp(email, strongPassword());
    const again = await h.userIdOf(email);
    expect(again).not.toBe(pendingId);
  });
});
