import { z } from "zod";
import { defineCommand } from "../../messaging/request-reply.ts";
import { userId } from "../common.ts";
import { invoiceSummary } from "./common.ts";

export const LIST_INVOICES_MAX = 500;

/** A user's invoices, newest first (at most `limit`, default 100). */
export const listInvoices = defineCommand({
  type: "list-invoices",
  request: z.object({ userId, limit: z.number().int().min(1).max(LIST_INVOICES_MAX).optional() }),
  result: z.object({ invoices: z.array(invoiceSummary) }),
  description: "List a user's invoices, newest first.",
});
