import { z } from "zod";
import { defineContract } from "../../messaging/contracts.ts";
import { defineCommand } from "../../messaging/request-reply.ts";
import { email, isoTime, profileFields, role, sealed, tokenHash, userId, userStatus } from "../common.ts";

/** Messages owned by `login`: credentials checks, sessions, lock threshold, history. */

const client = { ip: z.string().max(64), userAgent: z.string().max(512) };

export const sessionUser = z.object({ id: userId, email, role, fullName: profileFields.fullName });

/** Keyed by the normalised email: one partition, one consumer, an exact threshold. */
export const login = defineCommand({
  type: "login",
  request: z.object({ email, password: sealed, sessionTokenHash: tokenHash, ...client }),
  result: z.object({ user: sessionUser, sessionId: z.uuid(), expiresAt: isoTime }),
  description: "Verify a password against login's credentials view and open a session.",
});

export const sessionInfo = z.object({
  sessionId: z.uuid(),
  user: sessionUser,
  status: userStatus,
  createdAt: isoTime,
  expiresAt: isoTime,
  idleExpiresAt: isoTime,
});

export const getSession = defineCommand({
  type: "get-session",
  request: z.object({ tokenHash }),
  result: sessionInfo,
  description: "Resolve a session token hash (gateway cache miss); touches last-seen.",
});

export const revokeSessions = defineCommand({
  type: "revoke-sessions",
  request: z.object({
    userId,
    sessionId: z.uuid().optional(),
    allExcept: z.uuid().optional(),
    reason: z.enum(["logout", "revoked", "revoked-others"]),
  }),
  result: z.object({ revoked: z.number().int() }),
  description: "End one session of a user, or all but one.",
});

export const listSessions = defineCommand({
  type: "list-sessions",
  request: z.object({ userId, currentSessionId: z.uuid().optional() }),
  result: z.object({
    sessions: z.array(
      z.object({
        id: z.uuid(),
        createdAt: isoTime,
        lastSeenAt: isoTime,
        ip: z.string(),
        userAgent: z.string(),
        current: z.boolean(),
      }),
    ),
  }),
  description: "A user's open sessions.",
});

export const listLogins = defineCommand({
  type: "list-logins",
  request: z.object({ userId, limit: z.number().int().min(1).max(200).default(50) }),
  result: z.object({
    logins: z.array(z.object({ at: isoTime, ip: z.string(), userAgent: z.string(), outcome: z.string() })),
  }),
  description: "A user's login history, newest first.",
});

export const loginSucceeded = defineContract({
  type: "login.succeeded",
  kind: "event",
  schema: z.object({ userId, email, sessionId: z.uuid(), at: isoTime, ...client }),
  description: "A password login opened a session.",
});

export const loginFailed = defineContract({
  type: "login.failed",
  kind: "event",
  schema: z.object({ email, userId: userId.nullable(), at: isoTime, reason: z.string().max(40), ...client }),
  description: "A login attempt failed (wrong password, unknown email, locked, not active).",
});

export const accountLocked = defineContract({
  type: "account.locked",
  kind: "event",
  schema: z.object({
    email,
    userId: userId.nullable(),
    lockedAt: isoTime,
    lockedUntil: isoTime.nullable(),
    failures: z.number().int(),
    lockCount: z.number().int(),
    permanent: z.boolean(),
  }),
  description: "The failure threshold was reached; the account is locked (until a time or for good).",
});

export const sessionRevoked = defineContract({
  type: "session.revoked",
  kind: "event",
  schema: z.object({ sessionId: z.uuid(), userId, tokenHash, reason: z.string().max(40), at: isoTime }),
  description: "A session ended early: every gateway drops it from its cache.",
});
