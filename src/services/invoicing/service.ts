import { generateInvoice } from "../../contracts/invoicing/index.ts";
import type { Clock } from "../../platform/clock.ts";
import { systemClock } from "../../platform/clock.ts";
import type { ServiceDefinition } from "../../runtime/platform.ts";
import type { ServiceContext } from "../../runtime/service-context.ts";
import { generateInvoiceHandler } from "./commands/generate-invoice.ts";
import { serveInvoiceReads } from "./commands/read-invoices.ts";
import { invoicingMigrations } from "./db/migrations.ts";
import { InvoicingRepository } from "./db/repository.ts";
import type { InvoicingDeps } from "./deps.ts";
import { onUserChanged } from "./handlers/on-user-changed.ts";
import type { RenderPdf } from "./pdf/render-invoice.ts";
import { RenderThread } from "./pdf/render-thread.ts";
import { resumePending, startRenderWorker } from "./worker/render.ts";

export { renderInvoice, resumePending } from "./worker/render.ts";

export interface InvoicingServiceOptions {
  readonly clock?: Clock;
  /** The PDF renderer (default pdfkit on a thread of its own, RenderThread); tests pass one that fails. */
  readonly render?: RenderPdf;
  /**
   * Whether this instance renders PDFs (default true). false: it stores invoices and serves
   * reads, and leaves rendering to other instances (tests use it as a worker that died).
   */
  readonly renderWorker?: boolean;
  /** How often pending invoices older than `sweepAfterMs` are rendered (default 60 s; 0: only at start). */
  readonly sweepEveryMs?: number;
  readonly sweepAfterMs?: number;
}

/**
 * invoicing: generate-invoice stores an invoice with a gap-free number (per user and year) and
 * answers at once; the render worker turns it into a PDF outside any transaction and announces
 * invoice.generated. Pending invoices are resumed at start and by a periodic sweep.
 */
export function createInvoicingService(options: InvoicingServiceOptions = {}): ServiceDefinition {
  const clock = options.clock ?? systemClock;
  const every = options.sweepEveryMs ?? 60_000;
  const after = options.sweepAfterMs ?? 60_000;
  let abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;
  let renderer: RenderThread | undefined;

  function sweep(deps: InvoicingDeps, before: Date): void {
    // One sweep at a time; a failed one is logged and the next tick tries again.
    sweeping ??= resumePending(deps, { before, signal: abort.signal })
      .then(() => undefined)
      .catch((error: unknown) =>
        deps.ctx.log.warn({ err: error }, "pending-invoice sweep failed; will retry"),
      )
      .finally(() => {
        sweeping = undefined;
      });
  }

  return {
    name: "invoicing",
    migrations: invoicingMigrations,
    async start(ctx: ServiceContext): Promise<void> {
      abort = new AbortController();
      if (!options.render && options.renderWorker !== false) {
        const starts = ctx.metrics.counter(
          "ledgerline_pdf_render_thread_starts_total",
          "PDF render threads started, for a render or warmed ahead of one (reason)",
          ["reason"],
        );
        renderer = new RenderThread({
          onFailure: (error) => ctx.log.error({ err: error }, "PDF render thread failed; restarting it"),
          onStart: (reason) => starts.inc({ reason }),
        });
      }
      const deps: InvoicingDeps = {
        ctx,
        repo: new InvoicingRepository(ctx.schema),
        clock,
        // An instance that does not render never calls this; pdfkit stays out of the main thread.
        render:
          options.render ??
          renderer?.render ??
          (async (invoice, seller) =>
            (await import("./pdf/render-invoice.ts")).renderInvoicePdf(invoice, seller)),
        warmRenderer: () => renderer?.warm(),
      };
      await onUserChanged(deps);
      await ctx.serve(generateInvoice, generateInvoiceHandler(deps));
      await serveInvoiceReads(deps);
      if (options.renderWorker === false) return;
      await startRenderWorker(deps, abort.signal);
      sweep(deps, clock.now());
      if (every > 0) {
        timer = setInterval(() => sweep(deps, new Date(clock.now().getTime() - after)), every);
        timer.unref();
      }
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      abort.abort();
      await sweeping;
      await renderer?.close();
      renderer = undefined;
    },
  };
}

/** The invoicing service of `npm start` and `ledgerline start --service invoicing`. */
export const invoicingService: ServiceDefinition = createInvoicingService();
