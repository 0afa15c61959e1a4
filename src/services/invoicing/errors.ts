import { defineErrors } from "../../platform/errors.ts";

/**
 * Invoicing's codes. The first four reach HTTP clients in replies; INVOICE_SELLER_UNKNOWN and
 * INVOICE_RENDERER_UNAVAILABLE stay inside the render worker, which tries such an invoice again
 * later.
 */
export const invoicingErrors = defineErrors("invoicing", {
  INVOICE_NOT_FOUND: { status: 404, message: "No such invoice." },
  NOT_READY: { status: 409, message: "The invoice PDF is not ready yet; try again shortly." },
  INVOICE_FAILED: { status: 409, message: "This invoice could not be generated." },
  INVOICE_INVALID: { status: 400, message: "The invoice is not valid." },
  INVOICE_SELLER_UNKNOWN: {
    status: 503,
    message: "The seller's profile has not reached invoicing yet; rendering is tried again later.",
    canRetry: true,
  },
  INVOICE_RENDERER_UNAVAILABLE: {
    status: 503,
    message: "The PDF renderer is not available; rendering is tried again later.",
    canRetry: true,
  },
});
