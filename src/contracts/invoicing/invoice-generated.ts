import { z } from "zod";
import { defineContract } from "../../messaging/contracts.ts";
import { isoTime, userId } from "../common.ts";
import { invoiceNumber } from "./common.ts";

/** Keyed by userId; once per invoice, in the transaction that stores its PDF. */
export const invoiceGenerated = defineContract({
  type: "invoice.generated",
  kind: "event",
  schema: z.object({
    invoiceId: z.uuid(),
    userId,
    number: invoiceNumber,
    totalCents: z.number().int().min(0),
    currency: z.string().regex(/^[A-Z]{3}$/),
    generatedAt: isoTime,
  }),
  description: "An invoice's PDF was rendered and stored; it can be downloaded.",
});
