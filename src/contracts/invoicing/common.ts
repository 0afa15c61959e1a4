import { z } from "zod";
import { isoTime } from "../common.ts";
import { customerSchema, isoDate, itemSchema } from "./draft.ts";

/** pending: stored, its PDF not rendered yet; generated: the PDF is stored; failed: it could not be rendered. */
export const invoiceStatus = z.enum(["pending", "generated", "failed"]);
export type InvoiceStatus = z.infer<typeof invoiceStatus>;

/** Gap-free per user and calendar year (UTC): INV-2026-000123. */
export const invoiceNumber = z.string().regex(/^INV-\d{4}-\d{6,}$/);

export const invoiceSummary = z.object({
  id: z.uuid(),
  number: invoiceNumber,
  status: invoiceStatus,
  customer: customerSchema,
  totalCents: z.number().int().min(0),
  currency: z.string(),
  createdAt: isoTime,
  generatedAt: isoTime.nullable(),
});
export type InvoiceSummary = z.infer<typeof invoiceSummary>;

export const invoiceDetail = invoiceSummary.extend({
  items: z.array(itemSchema.extend({ amountCents: z.number().int().min(0) })),
  taxRatePercent: z.number(),
  subtotalCents: z.number().int().min(0),
  taxCents: z.number().int().min(0),
  /** YYYY-MM-DD (UTC) the invoice was issued, and when it is due (null: none given). */
  issueDate: isoDate,
  dueDate: isoDate.nullable(),
  /** Why rendering failed, when status is failed. */
  failureReason: z.string().nullable(),
});
export type InvoiceDetail = z.infer<typeof invoiceDetail>;
