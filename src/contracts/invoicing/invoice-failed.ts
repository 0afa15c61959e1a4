import { z } from "zod";
import { defineContract } from "../../messaging/contracts.ts";
import { userId } from "../common.ts";
import { invoiceNumber } from "./common.ts";

/** Keyed by userId; once per invoice whose PDF could not be rendered. The number stays used. */
export const invoiceFailed = defineContract({
  type: "invoice.failed",
  kind: "event",
  schema: z.object({ invoiceId: z.uuid(), userId, number: invoiceNumber, reason: z.string().max(500) }),
  description: "An invoice's PDF could not be rendered.",
});
