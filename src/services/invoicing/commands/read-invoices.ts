import { getInvoice, getInvoicePdf, listInvoices } from "../../../contracts/invoicing/index.ts";
import { decodeCursor, encodeCursor } from "../../../platform/cursor.ts";
import { platformErrors } from "../../../platform/errors.ts";
import { reject } from "../../../runtime/service-context.ts";
import type { InvoicingDeps } from "../deps.ts";
import { toDetail, toSummary } from "../domain/invoice.ts";
import { invoicingErrors } from "../errors.ts";

const DEFAULT_LIST_LIMIT = 100;
const isSequence = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

/**
 * The read side (read-only commands: no inbox, no outbox): list-invoices, get-invoice, get-invoice-pdf. Every query is scoped by the
 * requesting user, so another user's invoice is INVOICE_NOT_FOUND, exactly like a missing one.
 */
export async function serveInvoiceReads({ ctx, repo, warmRenderer }: InvoicingDeps): Promise<void> {
  await ctx.query(listInvoices, async (payload, _envelope, tx) => {
    // The dashboard lists a user's invoices when it opens: the next thing may be a new invoice,
    // whose PDF then need not wait for the render thread to start.
    warmRenderer?.();
    const after = payload.cursor === undefined ? undefined : decodeCursor(payload.cursor, isSequence);
    if (payload.cursor !== undefined && !after) {
      return reject(
        platformErrors.VALIDATION_FAILED({
          details: [{ path: "cursor", message: "This cursor is not valid." }],
        }),
      );
    }
    const limit = payload.limit ?? DEFAULT_LIST_LIMIT;
    // One more than asked: whether it comes tells if there is a next page.
    const rows = await repo.list(tx, payload.userId, { after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      invoices: page.map(toSummary),
      nextCursor: rows.length > limit && last ? encodeCursor([last.createdAt, last.sequence]) : null,
    };
  });

  await ctx.query(getInvoice, async (payload, _envelope, tx) => {
    const invoice = await repo.find(tx, payload.invoiceId, payload.userId);
    return invoice ? toDetail(invoice) : reject(invoicingErrors.INVOICE_NOT_FOUND());
  });

  await ctx.query(getInvoicePdf, async (payload, _envelope, tx) => {
    const found = await repo.pdf(tx, payload.userId, payload.invoiceId);
    if (!found) return reject(invoicingErrors.INVOICE_NOT_FOUND());
    if (found.status === "failed") return reject(invoicingErrors.INVOICE_FAILED());
    if (!found.pdf) return reject(invoicingErrors.NOT_READY({ headers: { "Retry-After": "1" } }));
    return { number: found.number, pdfBase64: Buffer.from(found.pdf).toString("base64") };
  });
}
