import type { z } from "zod";
import { draftProblems, invoiceRequested, taxBasisPoints } from "../../../contracts/invoicing/index.ts";
import type { generateInvoice } from "../../../contracts/invoicing/index.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import { newId } from "../../../platform/ids.ts";
import type { Rejection, Tx } from "../../../runtime/service-context.ts";
import { reject } from "../../../runtime/service-context.ts";
import type { InvoicingDeps } from "../deps.ts";
import { computeTotals } from "../domain/money.ts";
import { invoiceNumber, utcDate } from "../domain/number.ts";
import { invoicingErrors } from "../errors.ts";

type Request = z.infer<typeof generateInvoice.request.schema>;
type Result = z.infer<typeof generateInvoice.result>;

/**
 * Stores an invoice with the next number of the user's UTC year and emits invoice.requested,
 * all in one transaction (with the inbox row and the reply). A redelivered envelope is skipped
 * by the inbox; a new envelope with a known requestId answers with the invoice already made, so
 * one request never takes two numbers.
 */
export function generateInvoiceHandler({ repo, clock }: InvoicingDeps) {
  return async (payload: Request, envelope: Envelope, tx: Tx): Promise<Result | Rejection> => {
    const now = clock.now();
    const issueDate = utcDate(now);
    const problems = draftProblems(payload, issueDate);
    const basisPoints = taxBasisPoints(payload.taxRatePercent);
    if (problems.length > 0 || basisPoints === undefined) {
      return reject(invoicingErrors.INVOICE_INVALID({ details: problems }));
    }
    const existing = await repo.byRequest(tx, payload.userId, payload.requestId);
    if (existing) return existing;

    const year = now.getUTCFullYear();
    const sequence = await repo.nextSequence(tx, payload.userId, year);
    const totals = computeTotals(payload.items, basisPoints);
    const id = newId();
    const number = invoiceNumber(year, sequence);
    await repo.insert(tx, {
      id,
      userId: payload.userId,
      requestId: payload.requestId,
      number,
      year,
      sequence,
      customer: payload.customer,
      items: payload.items.map((item, i) => ({ ...item, amountCents: totals.lines[i] ?? 0 })),
      currency: payload.currency,
      taxBasisPoints: basisPoints,
      subtotalCents: totals.subtotalCents,
      taxCents: totals.taxCents,
      totalCents: totals.totalCents,
      issueDate,
      dueDate: payload.dueDate ?? null,
      createdAt: now,
    });
    tx.emit(invoiceRequested, payload.userId, { invoiceId: id, userId: payload.userId, number }, envelope);
    return { id, status: "pending" };
  };
}
