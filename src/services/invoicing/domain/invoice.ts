import type {
  Customer,
  InvoiceDetail,
  InvoiceStatus,
  InvoiceSummary,
} from "../../../contracts/invoicing/index.ts";
import type { InvoiceDocument } from "../pdf/render-invoice.ts";

export interface InvoiceLine {
  readonly description: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
  readonly amountCents: number;
}

/** An invoice as invoicing stores it (without its PDF bytes). */
export interface Invoice {
  readonly id: string;
  readonly userId: string;
  readonly requestId: string;
  readonly number: string;
  readonly year: number;
  readonly sequence: number;
  readonly status: InvoiceStatus;
  readonly customer: Customer;
  readonly items: readonly InvoiceLine[];
  readonly currency: string;
  readonly taxBasisPoints: number;
  readonly subtotalCents: number;
  readonly taxCents: number;
  readonly totalCents: number;
  readonly issueDate: string;
  readonly dueDate: string | null;
  readonly createdAt: Date;
  readonly generatedAt: Date | null;
  readonly failureReason: string | null;
}

export const toSummary = (i: Invoice): InvoiceSummary => ({
  id: i.id,
  number: i.number,
  status: i.status,
  customer: i.customer,
  totalCents: i.totalCents,
  currency: i.currency,
  createdAt: i.createdAt.toISOString(),
  generatedAt: i.generatedAt?.toISOString() ?? null,
});

export const toDetail = (i: Invoice): InvoiceDetail => ({
  ...toSummary(i),
  items: i.items.map((l) => ({ ...l })),
  taxRatePercent: i.taxBasisPoints / 100,
  subtotalCents: i.subtotalCents,
  taxCents: i.taxCents,
  issueDate: i.issueDate,
  dueDate: i.dueDate,
  failureReason: i.failureReason,
});

export const toDocument = (i: Invoice): InvoiceDocument => ({
  number: i.number,
  issueDate: i.issueDate,
  dueDate: i.dueDate,
  currency: i.currency,
  taxBasisPoints: i.taxBasisPoints,
  customer: i.customer,
  items: i.items,
  subtotalCents: i.subtotalCents,
  taxCents: i.taxCents,
  totalCents: i.totalCents,
});
