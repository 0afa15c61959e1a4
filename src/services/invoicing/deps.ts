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
  /** Gets the renderer ready for a render that may come soon (RenderThread.warm); optional. */
  readonly warmRenderer?: () => void;
}
