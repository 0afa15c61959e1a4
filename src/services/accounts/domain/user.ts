import type { z } from "zod";
import type {
  credentialsChanged,
  Profile,
  userChanged,
  userRegistered,
} from "../../../contracts/accounts/index.ts";
import type { SendEmail } from "../../../contracts/mailer/send-email.ts";

/** A user as accounts keeps it: the source of truth the other services' views are built from. */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly role: "user" | "admin";
  readonly status: "PENDING" | "ACTIVE" | "SUSPENDED" | "EXPIRED";
  readonly fullName: string | null;
  readonly phone: string | null;
  readonly address: string | null;
  readonly suspendedReason: string | null;
  /** Increments on every change; the version carried by user.changed and credentials events. */
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type Status = User["status"];
export type UserRegistered = z.infer<typeof userRegistered.schema>;
export type UserChanged = z.infer<typeof userChanged.schema>;
export type CredentialsChanged = z.infer<typeof credentialsChanged.schema>;
export type Change = UserChanged["change"];
export type RevokeSessions = CredentialsChanged["revokeSessions"];

/** What a decision asks to publish; the handler writes each to the outbox with its state. */
export type AccountEvent =
  | { readonly type: "user.registered"; readonly payload: UserRegistered }
  | { readonly type: "user.changed"; readonly payload: UserChanged }
  | { readonly type: "user-credentials.changed"; readonly payload: CredentialsChanged }
  | { readonly type: "send-email"; readonly payload: SendEmail };

export interface Decision {
  /** The user after the decision; unchanged (same object) when nothing happened. */
  readonly state: User;
  readonly events: readonly AccountEvent[];
}

/** Which sessions end with a change, and why (read by `login`). */
export interface CredentialsEffect {
  readonly revokeSessions: RevokeSessions;
  readonly keepSessionId?: string;
  readonly reason: string;
}

export function toProfile(user: User): Profile {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    status: user.status,
    fullName: user.fullName,
    phone: user.phone,
    address: user.address,
    createdAt: user.createdAt.toISOString(),
  };
}

/** Full state without the hash: the user.changed payload. */
export function userChangedPayload(user: User, change: Change): UserChanged {
  return { ...toProfile(user), version: user.version, change, suspendedReason: user.suspendedReason };
}

/** Full credentials state: the only payload that carries the hash. */
export function credentialsPayload(user: User, effect: CredentialsEffect): CredentialsChanged {
  return {
    userId: user.id,
    email: user.email,
    role: user.role,
    status: user.status,
    fullName: user.fullName,
    passwordHash: user.passwordHash,
    version: user.version,
    revokeSessions: effect.revokeSessions,
    keepSessionId: effect.keepSessionId ?? null,
    reason: effect.reason,
  };
}

/**
 * Applies `patch` as one new version of `user` and describes it: user.changed always, the
 * credentials event when login's view needs it, and any mail.
 */
export function applyChange(
  user: User,
  patch: Partial<Omit<User, "id" | "version" | "createdAt" | "updatedAt">>,
  now: Date,
  change: Change,
  credentials?: CredentialsEffect,
  mails: readonly SendEmail[] = [],
): Decision {
  const state: User = { ...user, ...patch, version: user.version + 1, updatedAt: now };
  const events: AccountEvent[] = [{ type: "user.changed", payload: userChangedPayload(state, change) }];
  if (credentials)
    events.push({ type: "user-credentials.changed", payload: credentialsPayload(state, credentials) });
  for (const mail of mails) events.push({ type: "send-email", payload: mail });
  return { state, events };
}

export const unchanged = (user: User): Decision => ({ state: user, events: [] });

/** Whether a row holds its email: every status but EXPIRED (an expired signup frees it). */
export const holdsEmail = (user: User): boolean => user.status !== "EXPIRED";
