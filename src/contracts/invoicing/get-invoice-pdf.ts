import { z } from "zod";
import { defineCommand } from "../../messaging/request-reply.ts";
import { userId } from "../common.ts";
import { invoiceNumber } from "./common.ts";

/** The PDF of a generated invoice; NOT_READY while pending, INVOICE_FAILED if it failed. */
export const getInvoicePdf = defineCommand({
  type: "get-invoice-pdf",
  request: z.object({ userId, invoiceId: z.uuid() }),
  result: z.object({ number: invoiceNumber, pdfBase64: z.base64() }),
  description: "Fetch the PDF of one of a user's generated invoices.",
});
