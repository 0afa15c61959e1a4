import { z } from "zod";
import { defineCommand } from "../../messaging/request-reply.ts";
import { userId } from "../common.ts";
import { invoiceSummary } from "./common.ts";

export const LIST_INVOICES_MAX = 500;

/**
 * A page of a user's invoices, newest first: at most `limit` (default 100), after `cursor` (the
 * `nextCursor` of the page before). `nextCursor` is null on the last page; an invoicing older
 * than it leaves it out, having served the first page only.
 */
export const listInvoices = defineCommand({
  type: "list-invoices",
  request: z.object({
    userId,
    limit: z.number().int().min(1).max(LIST_INVOICES_MAX).optional(),
    cursor: z.string().max(200).optional(),
  }),
  result: z.object({ invoices: z.array(invoiceSummary), nextCursor: z.string().nullable().optional() }),
  description: "List a user's invoices, newest first.",
});
