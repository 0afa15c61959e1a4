import type { z } from "zod";
import { invoiceGenerated } from "../../../contracts/invoicing/index.ts";
import type { ScoringDeps } from "../deps.ts";
import { recalculate } from "../recalculate.ts";

/** Records the invoice (count and volume) and recalculates the user's score at once. */
export function onInvoiceGenerated(deps: ScoringDeps) {
  return deps.ctx.on(invoiceGenerated, "on-invoice-generated", async (envelope, tx) => {
    const i = envelope.payload as z.infer<typeof invoiceGenerated.schema>;
    await deps.repo.addInvoice(tx, {
      invoiceId: i.invoiceId,
      userId: i.userId,
      totalCents: i.totalCents,
      currency: i.currency,
      generatedAt: new Date(i.generatedAt),
    });
    await recalculate(deps, tx, {
      userId: i.userId,
      requestId: envelope.id,
      trigger: "invoice.generated",
      cause: envelope,
    });
  });
}
