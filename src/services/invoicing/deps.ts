import type { Clock } from "../../platform/clock.ts";
import type { ServiceContext } from "../../runtime/service-context.ts";
import type { InvoicingRepository } from "./db/repository.ts";
import type { RenderPdf } from "./pdf/render-invoice.ts";

/** What invoicing's handlers share. */
export interface InvoicingDeps {
  readonly ctx: ServiceContext;
  readonly repo: InvoicingRepository;
  readonly clock: Clock;
  readonly render: RenderPdf;
}
