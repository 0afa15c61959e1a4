import { z } from "zod";
import { defineCommand } from "../../messaging/request-reply.ts";
import { userId } from "../common.ts";
import { invoiceDetail } from "./common.ts";

/** One invoice of the user with its lines and totals; INVOICE_NOT_FOUND for anyone else's. */
export const getInvoice = defineCommand({
  type: "get-invoice",
  request: z.object({ userId, invoiceId: z.uuid() }),
  result: invoiceDetail,
  description: "Read one of a user's invoices with its lines and totals.",
});
