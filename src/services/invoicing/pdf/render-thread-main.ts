import type { MessagePort } from "node:worker_threads";
import type { RenderPdf } from "./render-invoice.ts";
import { renderInvoicePdf } from "./render-invoice.ts";
import type { RenderAnswer, RenderRequest } from "./render-thread.ts";

/**
 * The render thread's loop: renders each request in turn and answers with the PDF, or with the
 * message of the error that stopped it (thrown or rejected; the main thread marks that invoice
 * failed). Only a crash of the thread itself reaches the main thread as an 'error' or 'exit'.
 */
export function serveRenders(port: MessagePort, render: RenderPdf = renderInvoicePdf): void {
  port.on("message", ({ id, invoice, seller }: RenderRequest) => {
    Promise.resolve()
      .then(() => render(invoice, seller))
      .then(
        (pdf) => port.postMessage({ id, pdf } satisfies RenderAnswer),
        (error: unknown) =>
          port.postMessage({
            id,
            error: error instanceof Error ? error.message : String(error),
          } satisfies RenderAnswer),
      );
  });
}
