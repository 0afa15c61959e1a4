/** Messages owned by the `invoicing` service. */
export type { InvoiceDetail, InvoiceStatus, InvoiceSummary } from "./common.ts";
export { invoiceDetail, invoiceNumber, invoiceStatus, invoiceSummary } from "./common.ts";
export type { Customer, InvoiceDraft, Item } from "./draft.ts";
export {
  customerSchema,
  draftProblems,
  invoiceDraftBody,
  invoiceDraftSchema,
  itemSchema,
  MAX_ITEMS,
  MAX_QUANTITY,
  MAX_SUBTOTAL_CENTS,
  MAX_UNIT_PRICE_CENTS,
  minorDigits,
  taxBasisPoints,
} from "./draft.ts";
export { generateInvoice } from "./generate-invoice.ts";
export { getInvoice } from "./get-invoice.ts";
export { getInvoicePdf } from "./get-invoice-pdf.ts";
export { invoiceFailed } from "./invoice-failed.ts";
export { invoiceGenerated } from "./invoice-generated.ts";
export { invoiceRequested } from "./invoice-requested.ts";
export { LIST_INVOICES_MAX, listInvoices } from "./list-invoices.ts";
