import { z } from "zod";
import { defineContract } from "../../messaging/contracts.ts";
import { defineCommand } from "../../messaging/request-reply.ts";
import { email, isoTime, tokenHash, userId } from "../common.ts";

/** Messages owned by `activation`, the signup→activation saga. */

export const confirmActivation = defineCommand({
  type: "confirm-activation",
  request: z.object({ tokenHash }),
  result: z.object({ status: z.literal("active"), userId }),
  description: "Redeem an activation token (single use, 24 h).",
});

export const resendActivation = defineContract({
  type: "resend-activation",
  kind: "command",
  schema: z.object({ email }),
  description: "Send a new activation link to a PENDING account (older links die).",
});

export const activationConfirmed = defineContract({
  type: "activation.confirmed",
  kind: "event",
  schema: z.object({ userId, email, at: isoTime }),
  description: "The owner proved the email: accounts makes the user ACTIVE.",
});

export const activationExpired = defineContract({
  type: "activation.expired",
  kind: "event",
  schema: z.object({ userId, email, at: isoTime }),
  description: "Saga compensation: not activated in time; accounts expires the user and frees the email.",
});
