import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../../../src/services/accounts/domain/cursor.ts";
import {
  activate,
  changePassword,
  createAdmin,
  expire,
  register,
  setPassword,
  suspend,
  unsuspend,
  updateProfile,
} from "../../../src/services/accounts/domain/decide.ts";
import type { User } from "../../../src/services/accounts/domain/user.ts";
import { containsPattern } from "../../../src/services/accounts/db/repository.ts";

const t0 = new Date("2030-01-01T10:00:00.000Z");
const t1 = new Date("2030-01-01T11:00:00.000Z");
const links = { loginLink: "http://app.test/login", resetLink: "http://app.test/forgot-password" };
const id = "0190f000-0000-7000-8000-000000000001";
const adminId = "0190f000-0000-7000-8000-000000000002";

function pending(): User {
  const outcome = register(
    { id, email: "ada@example.test", passwordHash: "$argon2id$h1", fullName: "Ada" },
    undefined,
    t0,
    links,
  );
  if (!outcome.created) throw new Error("expected a new user");
  return outcome.created;
}
const active = (): User => activate(pending(), t1).state;
const types = (events: readonly { type: string }[]) => events.map((e) => e.type);

describe("accounts domain", () => {
  it("registers a PENDING user and announces it on three channels", () => {
    const outcome = register(
      { id, email: "ada@example.test", passwordHash: "$argon2id$h1" },
      undefined,
      t0,
      links,
    );
    expect(outcome.created).toMatchObject({
      id,
      status: "PENDING",
      role: "user",
      version: 1,
      createdAt: t0,
      fullName: null,
    });
    expect(types(outcome.events)).toEqual(["user.registered", "user.changed", "user-credentials.changed"]);
    expect(outcome.events[1]?.payload).not.toHaveProperty("passwordHash");
    expect(outcome.events[2]?.payload).toMatchObject({
      passwordHash: "$argon2id$h1",
      revokeSessions: "none",
      keepSessionId: null,
    });
  });

  it("stores nothing for a taken email and mails its owner; an EXPIRED holder frees it", () => {
    const taken = register(
      { id: adminId, email: "ada@example.test", passwordHash: "x" },
      active(),
      t1,
      links,
    );
    expect(taken.created).toBeUndefined();
    expect(taken.events).toEqual([
      {
        type: "send-email",
        payload: { to: "ada@example.test", template: "already-registered", data: links },
      },
    ]);
    const freed = register(
      { id: adminId, email: "ada@example.test", passwordHash: "x" },
      expire(pending(), t1).state,
      t1,
      links,
    );
    expect(freed.created?.id).toBe(adminId);
  });

  it("activates and expires only PENDING users, each once", () => {
    const user = pending();
    const activated = activate(user, t1);
    expect(activated.state).toMatchObject({ status: "ACTIVE", version: 2, updatedAt: t1 });
    expect(activated.events[0]?.payload).toMatchObject({ change: "activated", version: 2 });
    expect(activate(activated.state, t1).events).toEqual([]);
    expect(expire(activated.state, t1).state).toBe(activated.state);
    const expired = expire(user, t1);
    expect(expired.state.status).toBe("EXPIRED");
    expect(activate(expired.state, t1).events).toEqual([]);
  });

  it("revokes all sessions on a reset and all but the current one on a change", () => {
    const reset = setPassword(active(), "$argon2id$h2", t1);
    expect(types(reset.events)).toEqual(["user.changed", "user-credentials.changed", "send-email"]);
    expect(reset.events[1]?.payload).toMatchObject({
      passwordHash: "$argon2id$h2",
      revokeSessions: "all",
      reason: "password-reset",
    });
    expect(reset.events[2]?.payload).toEqual({
      to: "ada@example.test",
      template: "password-changed",
      data: { at: t1.toISOString() },
    });

    const keep = "0190f000-0000-7000-8000-0000000000aa";
    const changed = changePassword(active(), "$argon2id$h3", keep, t1);
    expect(changed.events[1]?.payload).toMatchObject({ revokeSessions: "all-but-one", keepSessionId: keep });
    expect(() => changePassword(pending(), "h", keep, t1)).toThrow(
      expect.objectContaining({ code: "ACCOUNT_NOT_ACTIVE" }),
    );
  });

  it("updates only the profile fields given and skips a no-op", () => {
    const user = active();
    const updated = updateProfile(user, { phone: "+1 555", fullName: undefined }, t1);
    expect(updated.state).toMatchObject({ phone: "+1 555", fullName: "Ada", version: user.version + 1 });
    expect(types(updated.events)).toEqual(["user.changed"]);
    expect(updateProfile(updated.state, { phone: "+1 555" }, t1).events).toEqual([]);
    const renamed = updateProfile(user, { fullName: null }, t1);
    expect(renamed.state.fullName).toBeNull();
    expect(types(renamed.events)).toEqual(["user.changed", "user-credentials.changed"]);
  });

  it("suspends an ACTIVE user (not oneself) and lifts it", () => {
    const user = active();
    expect(() => suspend(user, "spam", user.id, t1)).toThrow(expect.objectContaining({ code: "FORBIDDEN" }));
    expect(() => suspend(pending(), "spam", adminId, t1)).toThrow(
      expect.objectContaining({ code: "FORBIDDEN" }),
    );
    const suspended = suspend(user, "spam", adminId, t1);
    expect(suspended.state).toMatchObject({ status: "SUSPENDED", suspendedReason: "spam" });
    expect(suspended.events[1]?.payload).toMatchObject({ revokeSessions: "all", status: "SUSPENDED" });
    expect(suspend(suspended.state, "spam", adminId, t1).events).toEqual([]);
    const lifted = unsuspend(suspended.state, t1);
    expect(lifted.state).toMatchObject({ status: "ACTIVE", suspendedReason: null });
    expect(unsuspend(lifted.state, t1).events).toEqual([]);
  });

  it("creates an ACTIVE admin", () => {
    const admin = createAdmin({ id: adminId, email: "root@example.test", passwordHash: "h" }, t0);
    expect(admin.state).toMatchObject({ role: "admin", status: "ACTIVE", version: 1 });
    expect(admin.events[0]?.payload).toMatchObject({ change: "admin-created" });
  });

  it("round-trips list cursors and refuses forged ones", () => {
    const keyset = { createdAt: t0, id };
    expect(decodeCursor(encodeCursor(keyset))).toEqual(keyset);
    expect(decodeCursor("nonsense")).toBeUndefined();
    expect(
      decodeCursor(Buffer.from(JSON.stringify(["yesterday", id])).toString("base64url")),
    ).toBeUndefined();
    expect(containsPattern("50%_off\\")).toBe("%50\\%\\_off\\\\%");
  });
});
