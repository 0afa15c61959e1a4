import { accountErrors } from "../../../contracts/errors.ts";
import { platformErrors } from "../../../platform/errors.ts";
import type { AccountEvent, Decision, User } from "./user.ts";
import { applyChange, credentialsPayload, holdsEmail, unchanged, userChangedPayload } from "./user.ts";

/**
 * The rules of a user's life, as pure functions: each takes the current state and a command's
 * facts (times, ids and hashes computed by the caller) and returns the new state and what to
 * publish. A refusal throws the AppError the caller replies with.
 */

export interface Registration {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly fullName?: string | null | undefined;
  readonly phone?: string | null | undefined;
  readonly address?: string | null | undefined;
}

export interface RegisterOutcome {
  /** The new PENDING user to insert, or undefined when the email is taken (nothing is stored). */
  readonly created: User | undefined;
  readonly events: readonly AccountEvent[];
}

/**
 * Signup. A free email (unknown, or only held by EXPIRED rows) gets a PENDING user; a taken one
 * gets nothing stored and a mail to its owner, so the answer to the signer is the same either way.
 */
export function register(
  input: Registration,
  existing: User | undefined,
  now: Date,
  links: { readonly loginLink: string; readonly resetLink: string },
): RegisterOutcome {
  if (existing && holdsEmail(existing)) {
    return {
      created: undefined,
      events: [
        { type: "send-email", payload: { to: existing.email, template: "already-registered", data: links } },
      ],
    };
  }
  const user: User = {
    id: input.id,
    email: input.email,
    passwordHash: input.passwordHash,
    role: "user",
    status: "PENDING",
    fullName: input.fullName ?? null,
    phone: input.phone ?? null,
    address: input.address ?? null,
    suspendedReason: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  return {
    created: user,
    events: [
      {
        type: "user.registered",
        payload: {
          userId: user.id,
          email: user.email,
          fullName: user.fullName,
          registeredAt: now.toISOString(),
        },
      },
      { type: "user.changed", payload: userChangedPayload(user, "registered") },
      {
        type: "user-credentials.changed",
        payload: credentialsPayload(user, { revokeSessions: "none", reason: "registered" }),
      },
    ],
  };
}

/** The first admin (CLI, first start): ACTIVE at once. */
export function createAdmin(input: { id: string; email: string; passwordHash: string }, now: Date): Decision {
  const admin: User = {
    id: input.id,
    email: input.email,
    passwordHash: input.passwordHash,
    role: "admin",
    status: "ACTIVE",
    fullName: null,
    phone: null,
    address: null,
    suspendedReason: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  return {
    state: admin,
    events: [
      { type: "user.changed", payload: userChangedPayload(admin, "admin-created") },
      {
        type: "user-credentials.changed",
        payload: credentialsPayload(admin, { revokeSessions: "none", reason: "admin-created" }),
      },
    ],
  };
}

/** activation.confirmed: a PENDING user becomes ACTIVE; anything else is a stale event. */
export function activate(user: User, now: Date): Decision {
  if (user.status !== "PENDING") return unchanged(user);
  return applyChange(user, { status: "ACTIVE" }, now, "activated", {
    revokeSessions: "none",
    reason: "activated",
  });
}

/** activation.expired (the saga's compensation): a PENDING user becomes EXPIRED, freeing the email. */
export function expire(user: User, now: Date): Decision {
  if (user.status !== "PENDING") return unchanged(user);
  return applyChange(user, { status: "EXPIRED" }, now, "expired", {
    revokeSessions: "all",
    reason: "expired",
  });
}

/** set-password (reset flow): every session ends; the owner is told. An EXPIRED row is left alone. */
export function setPassword(user: User, passwordHash: string, now: Date): Decision {
  if (user.status === "EXPIRED") return unchanged(user);
  return applyChange(
    user,
    { passwordHash },
    now,
    "password-changed",
    { revokeSessions: "all", reason: "password-reset" },
    [{ to: user.email, template: "password-changed", data: { at: now.toISOString() } }],
  );
}

/** The current password was verified by the caller: every session but the current one ends. */
export function changePassword(user: User, passwordHash: string, keepSessionId: string, now: Date): Decision {
  assertActive(user);
  return applyChange(
    user,
    { passwordHash },
    now,
    "password-changed",
    { revokeSessions: "all-but-one", keepSessionId, reason: "password-change" },
    [{ to: user.email, template: "password-changed", data: { at: now.toISOString() } }],
  );
}

export interface ProfilePatch {
  readonly fullName?: string | null | undefined;
  readonly phone?: string | null | undefined;
  readonly address?: string | null | undefined;
}

/** Fields left undefined stay as they are; null clears one. No difference, no new version. */
export function updateProfile(user: User, patch: ProfilePatch, now: Date): Decision {
  if (user.status === "EXPIRED") throw accountErrors.USER_NOT_FOUND();
  const next = {
    fullName: patch.fullName === undefined ? user.fullName : patch.fullName,
    phone: patch.phone === undefined ? user.phone : patch.phone,
    address: patch.address === undefined ? user.address : patch.address,
  };
  if (next.fullName === user.fullName && next.phone === user.phone && next.address === user.address)
    return unchanged(user);
  // Login's view carries the full name (it is in the session's user), so a new one travels there too.
  const credentials =
    next.fullName !== user.fullName
      ? { revokeSessions: "none" as const, reason: "profile-updated" }
      : undefined;
  return applyChange(user, next, now, "profile-updated", credentials);
}

/** Admin suspension: only an ACTIVE user (again: a new reason); never oneself. Every session ends. */
export function suspend(user: User, reason: string, by: string, now: Date): Decision {
  if (user.id === by)
    throw platformErrors.FORBIDDEN({ message: "Administrators cannot suspend themselves." });
  if (user.status === "SUSPENDED" && user.suspendedReason === reason) return unchanged(user);
  if (user.status !== "ACTIVE" && user.status !== "SUSPENDED") {
    throw platformErrors.FORBIDDEN({
      message: `Only an active user can be suspended (this one is ${user.status}).`,
    });
  }
  return applyChange(user, { status: "SUSPENDED", suspendedReason: reason }, now, "suspended", {
    revokeSessions: "all",
    reason: "suspended",
  });
}

/** Lifts a suspension; an ACTIVE user is left as is. */
export function unsuspend(user: User, now: Date): Decision {
  if (user.status === "ACTIVE") return unchanged(user);
  if (user.status !== "SUSPENDED") {
    throw platformErrors.FORBIDDEN({
      message: `Only a suspended user can be unsuspended (this one is ${user.status}).`,
    });
  }
  return applyChange(user, { status: "ACTIVE", suspendedReason: null }, now, "unsuspended", {
    revokeSessions: "none",
    reason: "unsuspended",
  });
}

function assertActive(user: User): void {
  if (user.status === "SUSPENDED") throw accountErrors.ACCOUNT_SUSPENDED();
  if (user.status !== "ACTIVE") throw accountErrors.ACCOUNT_NOT_ACTIVE();
}
