import { invoiceFailed, invoiceGenerated, invoiceRequested } from "../../../contracts/invoicing/index.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { InvoicingDeps } from "../deps.ts";
import { toDocument } from "../domain/invoice.ts";
import type { AppError } from "../../../platform/errors.ts";
import { invoicingErrors } from "../errors.ts";

export type RenderOutcome = "generated" | "failed" | "skipped";

/**
 * Renders one pending invoice: reads it and the seller outside any transaction, renders the PDF
 * (CPU, a few ms), then in one short transaction moves it pending → generated with the PDF bytes
 * and emits invoice.generated. The move is conditional, so when two workers (a redelivery, the
 * sweep, another instance) render the same invoice, exactly one stores it and announces it; the
 * other's work is dropped. A seller not yet known throws INVOICE_SELLER_UNKNOWN and a renderer
 * that is down (its thread crashed or hung) throws INVOICE_RENDERER_UNAVAILABLE: the invoice
 * stays pending and the render worker tries again later. A render that throws otherwise is
 * final: the invoice becomes failed.
 */
export async function renderInvoice(
  deps: InvoicingDeps,
  invoiceId: string,
  cause?: Envelope,
): Promise<RenderOutcome> {
  const { ctx, repo, clock } = deps;
  const found = await repo.withSeller(ctx.db, invoiceId);
  if (!found || found.invoice.status !== "pending") return "skipped";
  const { invoice, seller } = found;
  if (!seller) throw invoicingErrors.INVOICE_SELLER_UNKNOWN();

  let pdf: Buffer;
  try {
    pdf = await deps.render(toDocument(invoice), seller);
  } catch (error) {
    if (invoicingErrors.INVOICE_RENDERER_UNAVAILABLE.is(error)) throw error;
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

/**
 * Waits before each further try of an invoice that could not be rendered yet (its seller is not
 * known, or the renderer is down): about 2 min in all, then the sweep.
 */
const RETRY_WAITS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 30_000, 30_000];

const retryLater = (error: unknown): boolean =>
  invoicingErrors.INVOICE_SELLER_UNKNOWN.is(error) || invoicingErrors.INVOICE_RENDERER_UNAVAILABLE.is(error);

/**
 * The render worker: renders each invoice.requested (no inbox needed: the state move is the
 * guard). An invoice whose seller has not reached invoicing yet (its user.changed is still on
 * the way, or the consumer that applies it was down), like a renderer that is down, is not the
 * message's fault and not worth a dead letter: the invoice stays pending and is tried again after growing waits; the sweep, at
 * start and every sweepEveryMs, covers a process that dies meanwhile.
 */
export function startRenderWorker(deps: InvoicingDeps, signal: AbortSignal) {
  const { ctx } = deps;
  const timers = new Set<NodeJS.Timeout>();
  signal.addEventListener("abort", () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  });
  const later = (invoiceId: string, cause: Envelope, attempt: number): void => {
    const wait = RETRY_WAITS_MS[attempt];
    if (wait === undefined || signal.aborted) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      renderInvoice(deps, invoiceId, cause).catch((error: unknown) => {
        if (retryLater(error)) return later(invoiceId, cause, attempt + 1);
        ctx.log.warn({ err: error, invoiceId }, "invoice not rendered; the sweep tries again");
      });
    }, wait);
    timer.unref();
    timers.add(timer);
  };
  return ctx.subscribe(`${ctx.name}.render`, [invoiceRequested.topic], async (envelope) => {
    if (envelope.type !== invoiceRequested.type) return;
    const { invoiceId } = envelope.payload as { invoiceId: string };
    try {
      await renderInvoice(deps, invoiceId, envelope);
    } catch (error) {
      if (!retryLater(error)) throw error;
      ctx.log.info({ invoiceId, code: (error as AppError).code }, "not rendered yet; trying again shortly");
      later(invoiceId, envelope, 0);
    }
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
