import { z } from "zod";
import { defineContract } from "../../messaging/contracts.ts";
import { defineCommand } from "../../messaging/request-reply.ts";
import { email, isoTime, profileFields, role, sealed, userId, userStatus } from "../common.ts";

/** Messages owned by the `accounts` service, the source of truth for users. */

export const profile = z.object({
  id: userId,
  email,
  role,
  status: userStatus,
  ...profileFields,
  createdAt: isoTime,
});
export type Profile = z.infer<typeof profile>;

/** Fire-and-forget from the gateway: the signup is acknowledged once this is on the log. */
export const registerUser = defineContract({
  type: "register-user",
  kind: "command",
  schema: z.object({
    email,
    password: sealed,
    fullName: profileFields.fullName.optional(),
    phone: profileFields.phone.optional(),
    address: profileFields.address.optional(),
  }),
  description: "Sign up an email; accounts stores a PENDING user (or mails the owner if it exists).",
});

/** From `password` after a valid reset token: accounts hashes and stores the new password. */
export const setPassword = defineContract({
  type: "set-password",
  kind: "command",
  schema: z.object({ userId, password: sealed, reason: z.literal("reset") }),
  description: "Replace a user's password (reset flow); every session is revoked.",
});

export const changePassword = defineCommand({
  type: "change-password",
  request: z.object({ userId, sessionId: z.uuid(), currentPassword: sealed, newPassword: sealed }),
  result: z.object({ status: z.literal("password_changed") }),
  description: "Change a password knowing the current one; other sessions are revoked.",
});

export const getProfile = defineCommand({
  type: "get-profile",
  request: z.object({ userId }),
  result: profile,
  description: "Read a user's profile.",
});

export const updateProfile = defineCommand({
  type: "update-profile",
  request: z.object({
    userId,
    fullName: profileFields.fullName.optional(),
    phone: profileFields.phone.optional(),
    address: profileFields.address.optional(),
  }),
  result: profile,
  description: "Update a user's profile fields.",
});

export const listUsers = defineCommand({
  type: "list-users",
  request: z.object({
    query: z.string().max(200).optional(),
    status: userStatus.optional(),
    cursor: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(200).default(50),
  }),
  result: z.object({ users: z.array(profile), nextCursor: z.string().nullable() }),
  description: "Admin: list users, newest first, filtered by text and status.",
});

export const suspendUser = defineCommand({
  type: "suspend-user",
  request: z.object({ userId, reason: z.string().trim().min(1).max(500), by: userId }),
  result: profile,
  description: "Admin: suspend a user; their sessions end.",
});

export const unsuspendUser = defineCommand({
  type: "unsuspend-user",
  request: z.object({ userId, by: userId }),
  result: profile,
  description: "Admin: lift a suspension.",
});

export const createAdmin = defineCommand({
  type: "create-admin",
  request: z.object({ email, password: sealed }),
  result: z.object({ userId, created: z.boolean() }),
  description: "Create an ACTIVE admin if the email is not registered (CLI and first start).",
});

/** Full state of a user after every change (our CDC), keyed by user id. Never holds the hash. */
export const userChanged = defineContract({
  type: "user.changed",
  kind: "event",
  schema: profile.extend({
    version: z.number().int().positive(),
    change: z.enum([
      "registered",
      "activated",
      "profile-updated",
      "suspended",
      "unsuspended",
      "expired",
      "password-changed",
      "admin-created",
    ]),
    suspendedReason: z.string().nullable().optional(),
  }),
  description: "A user's full state after a change.",
});

export const userRegistered = defineContract({
  type: "user.registered",
  kind: "event",
  schema: z.object({ userId, email, fullName: profileFields.fullName, registeredAt: isoTime }),
  description: "A new PENDING user: starts the activation saga.",
});

/**
 * The credentials channel: the only messages that carry a password hash, read only by `login`.
 * Full state, keyed by user id; `revokeSessions` says which sessions end with this change.
 */
export const credentialsChanged = defineContract({
  type: "user-credentials.changed",
  topic: "credentials",
  kind: "event",
  schema: z.object({
    userId,
    email,
    role,
    status: userStatus,
    fullName: profileFields.fullName,
    passwordHash: z.string().min(1).max(512),
    version: z.number().int().positive(),
    revokeSessions: z.enum(["none", "all", "all-but-one"]),
    keepSessionId: z.uuid().nullable(),
    reason: z.string().max(40),
  }),
  description: "A user's credentials and status, for login's view (the only channel with the hash).",
});
