import { z } from "zod";
import { defineContract } from "../../messaging/contracts.ts";
import { defineCommand } from "../../messaging/request-reply.ts";
import { email, isoTime, userId } from "../common.ts";

/** Messages owned by `lockout`: the blocked list and unblocking. */

export const blockedEntry = z.object({
  email,
  userId: userId.nullable(),
  lockedAt: isoTime,
  lockedUntil: isoTime.nullable(),
  failures: z.number().int(),
  reason: z.string(),
});

export const listBlocked = defineCommand({
  type: "list-blocked",
  request: z.object({}),
  result: z.object({ blocked: z.array(blockedEntry) }),
  description: "Admin: accounts locked now.",
});

export const unblockAccount = defineCommand({
  type: "unblock-account",
  request: z.object({ email, by: userId }),
  result: z.object({ unblocked: z.boolean() }),
  description: "Admin: lift a lock and reset the failure counter.",
});

export const accountUnlocked = defineContract({
  type: "account.unlocked",
  kind: "event",
  schema: z.object({ email, by: userId.nullable(), at: isoTime }),
  description: "An admin lifted a lock: login resets the counter.",
});
