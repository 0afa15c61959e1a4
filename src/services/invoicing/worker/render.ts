import { invoiceFailed, invoiceGenerated, invoiceRequested } from "../../../contracts/invoicing/index.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { InvoicingDeps } from "../deps.ts";
import { toDocument } from "../domain/invoice.ts";
import { invoicingErrors } from "../errors.ts";

export type RenderOutcome = "generated" | "failed" | "skipped";

/**
 * Renders one pending invoice: reads it and the seller outside any transaction, renders the PDF
 * (CPU, a few ms), then in one short transaction moves it pending → generated with the PDF bytes
 * and emits invoice.generated. The move is conditional, so when two workers (a redelivery, the
 * sweep, another instance) render the same invoice, exactly one stores it and announces it; the
 * other's work is dropped. A seller not yet known is a retryable error (the event is retried,
 * then the sweep takes over); a render that throws is final: the invoice becomes failed.
 */
export async function renderInvoice(
  deps: InvoicingDeps,
  invoiceId: string,
  cause?: Envelope,
): Promise<RenderOutcome> {
  const { ctx, repo, clock } = deps;
  const invoice = await repo.find(ctx.db, invoiceId);
  if (!invoice || invoice.status !== "pending") return "skipped";
  const seller = await repo.seller(ctx.db, invoice.userId);
  if (!seller) throw invoicingErrors.INVOICE_SELLER_UNKNOWN();

  let pdf: Buffer;
  try {
    pdf = await deps.render(toDocument(invoice), seller);
  } catch (error) {
    ctx.log.error({ err: error, invoiceId }, "invoice rendering failed");
    const reason = `rendering failed: ${error instanceof Error ? error.message : String(error)}`.slice(
      0,
      500,
    );
    return ctx.transaction(async (tx) => {
      if (!(await repo.markFailed(tx, invoiceId, reason))) return "skipped";
      tx.emit(
        invoiceFailed,
        invoice.userId,
        { invoiceId, userId: invoice.userId, number: invoice.number, reason },
        cause,
      );
      return "failed";
    });
  }

  const at = clock.now();
  return ctx.transaction(async (tx) => {
    if (!(await repo.markGenerated(tx, invoiceId, pdf, seller, at))) return "skipped";
    tx.emit(
      invoiceGenerated,
      invoice.userId,
      {
        invoiceId,
        userId: invoice.userId,
        number: invoice.number,
        totalCents: invoice.totalCents,
        currency: invoice.currency,
        generatedAt: at.toISOString(),
      },
      cause,
    );
    return "generated";
  });
}

/** The render worker: renders each invoice.requested (no inbox needed: the state move is the guard). */
export function startRenderWorker(deps: InvoicingDeps) {
  const { ctx } = deps;
  return ctx.subscribe(`${ctx.name}.render`, [invoiceRequested.topic], async (envelope) => {
    if (envelope.type !== invoiceRequested.type) return;
    const { invoiceId } = envelope.payload as { invoiceId: string };
    await renderInvoice(deps, invoiceId, envelope);
  });
}

/**
 * Renders invoices still pending that were created at or before `before` (all of them at start:
 * a worker that died mid-render left them so). One pass over at most `limit` (default 500), oldest
 * first; an invoice that cannot be rendered yet is logged and left for the next pass. Returns what
 * happened to each.
 */
export async function resumePending(
  deps: InvoicingDeps,
  options: { before: Date; signal?: AbortSignal; limit?: number },
): Promise<Record<RenderOutcome | "retry-later", number>> {
  const { signal } = options;
  const counts = { generated: 0, failed: 0, skipped: 0, "retry-later": 0 };
  for (const id of await deps.repo.pendingIds(deps.ctx.db, options.before, options.limit ?? 500)) {
    if (signal?.aborted) break;
    try {
      counts[await renderInvoice(deps, id)]++;
    } catch (error) {
      counts["retry-later"]++;
      deps.ctx.log.warn(
        { err: error, invoiceId: id },
        "pending invoice not rendered; the next sweep retries",
      );
    }
  }
  if (counts.generated + counts.failed > 0) deps.ctx.log.info(counts, "pending invoices resumed");
  return counts;
}
