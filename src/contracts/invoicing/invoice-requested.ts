import { z } from "zod";
import { defineContract } from "../../messaging/contracts.ts";
import { userId } from "../common.ts";
import { invoiceNumber } from "./common.ts";

/**
 * Emitted with the stored invoice (same transaction), keyed by userId. Invoicing's render workers
 * consume it to render the PDF outside any database transaction.
 */
export const invoiceRequested = defineContract({
  type: "invoice.requested",
  kind: "event",
  schema: z.object({ invoiceId: z.uuid(), userId, number: invoiceNumber }),
  description: "An invoice was stored with its number; its PDF is to be rendered.",
});
