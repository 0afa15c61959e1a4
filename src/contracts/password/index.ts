import { z } from "zod";
import { defineContract } from "../../messaging/contracts.ts";
import { defineCommand } from "../../messaging/request-reply.ts";
import { email, sealed, tokenHash } from "../common.ts";

/** Messages owned by `password`: forgotten-password reset. */

/** Fire-and-forget: the gateway answers 202 at once, whatever the email. */
export const requestPasswordReset = defineContract({
  type: "request-password-reset",
  kind: "command",
  schema: z.object({ email }),
  description: "Mail a reset link if the email belongs to an ACTIVE account (newer links void older ones).",
});

export const resetPassword = defineCommand({
  type: "reset-password",
  request: z.object({ tokenHash, password: sealed }),
  result: z.object({ status: z.literal("password_changed") }),
  description: "Redeem a reset token (single use, ≤ 30 min) and set a new password.",
});
