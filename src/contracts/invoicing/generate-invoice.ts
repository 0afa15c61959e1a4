import { z } from "zod";
import { defineCommand } from "../../messaging/request-reply.ts";
import { userId } from "../common.ts";
import { invoiceStatus } from "./common.ts";
import { invoiceDraftSchema } from "./draft.ts";

/**
 * Keyed by userId. Stores the invoice with its number and answers at once; the PDF is rendered
 * afterwards and announced by invoice.generated (or invoice.failed). `requestId` is the
 * idempotency key: the same (userId, requestId) always names the same invoice, so a retried
 * request answers with the invoice it made the first time (whatever its status is now).
 */
export const generateInvoice = defineCommand({
  type: "generate-invoice",
  request: invoiceDraftSchema.extend({ userId, requestId: z.uuid() }),
  result: z.object({ id: z.uuid(), status: invoiceStatus }),
  description: "Issue an invoice: store it with the next number of the user's year; the PDF follows.",
});
