import { z } from "zod";
import type { ErrorDetail } from "../../platform/errors.ts";

/**
 * What a user asks to invoice, as the gateway receives it and generate-invoice carries it.
 * Money is integer minor units of `currency` ("cents": hundredths of EUR, whole JPY, thousandths
 * of KWD). The schema is structural; `draftProblems` holds the rules that need arithmetic or a
 * calendar, so the service can answer a breach with INVOICE_INVALID rather than a dead letter.
 */

export const MAX_ITEMS = 100;
export const MAX_QUANTITY = 1_000_000;
export const MAX_UNIT_PRICE_CENTS = 1_000_000_000_000;
/** Largest subtotal accepted: 10^13 minor units keeps subtotal + tax exact in a double. */
export const MAX_SUBTOTAL_CENTS = 10_000_000_000_000;

const text = (max: number) => z.string().trim().min(1).max(max);

const customerShape = {
  name: text(200),
  email: z.email().max(254).optional(),
  taxId: text(50).optional(),
  address: text(500).optional(),
};
export const customerSchema = z.object(customerShape);

const itemShape = {
  description: text(200),
  /** Whole units, 1..1,000,000 (fractional quantities are not supported: bill 1 × the amount). */
  quantity: z.number().int().min(1).max(MAX_QUANTITY),
  unitPriceCents: z.number().int().min(0).max(MAX_UNIT_PRICE_CENTS),
};
export const itemSchema = z.object(itemShape);

/** A calendar date, YYYY-MM-DD. */
export const isoDate = z.iso.date();

const draftShape = {
  customer: customerSchema,
  items: z.array(itemSchema).min(1).max(MAX_ITEMS),
  /** ISO 4217 code, upper case. */
  currency: z.string().regex(/^[A-Z]{3}$/, { message: "expected an ISO 4217 currency code such as EUR" }),
  /** 0..100, at most two decimals (19, 7.5, 8.25). */
  taxRatePercent: z.number().min(0).max(100).default(0),
  dueDate: isoDate.optional(),
};

/**
 * The draft inside generate-invoice: a field it does not know is dropped, so a newer gateway's
 * message still reads in an older invoicing.
 */
export const invoiceDraftSchema = z.object(draftShape);

/**
 * The draft as a client sends it: a field it does not know, at any depth, is refused. Ignoring
 * one would issue a different invoice than the one asked for (`taxRate: 19` for
 * `taxRatePercent` would bill no tax at all).
 */
export const invoiceDraftBody = z.strictObject({
  ...draftShape,
  customer: z.strictObject(customerShape),
  items: z.array(z.strictObject(itemShape)).min(1).max(MAX_ITEMS),
});
export type InvoiceDraft = z.infer<typeof invoiceDraftSchema>;
export type Customer = z.infer<typeof customerSchema>;
export type Item = z.infer<typeof itemSchema>;

const knownCurrencies = new Set(Intl.supportedValuesOf("currency"));

const digitsByCurrency = new Map<string, number>();

/**
 * The currency's minor-unit digits (EUR 2, JPY 0, KWD 3), from ICU's ISO 4217 data; throws a
 * RangeError for a code that is not three letters. Remembered per code: building the
 * Intl.NumberFormat that knows them costs more than the rest of an invoice's arithmetic.
 */
export function minorDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    digits =
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ??
      2;
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** The tax rate in basis points (hundredths of a percent), or undefined if it has more than two decimals. */
export function taxBasisPoints(percent: number): number | undefined {
  const bp = Math.round(percent * 100);
  return Math.abs(percent * 100 - bp) < 1e-6 ? bp : undefined;
}

/**
 * The rules beyond the schema, one detail per breach: a known currency, a tax rate with at most
 * two decimals, a subtotal within MAX_SUBTOTAL_CENTS, and a due date not before `today` (the
 * invoice date, YYYY-MM-DD in UTC).
 */
export function draftProblems(draft: InvoiceDraft, today: string): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (!knownCurrencies.has(draft.currency)) {
    problems.push({ path: "currency", message: `unknown ISO 4217 currency: ${draft.currency}` });
  }
  if (taxBasisPoints(draft.taxRatePercent) === undefined) {
    problems.push({ path: "taxRatePercent", message: "expected at most two decimals" });
  }
  const subtotal = draft.items.reduce((sum, i) => sum + BigInt(i.quantity) * BigInt(i.unitPriceCents), 0n);
  if (subtotal > BigInt(MAX_SUBTOTAL_CENTS)) {
    problems.push({ path: "items", message: `the subtotal exceeds ${MAX_SUBTOTAL_CENTS} minor units` });
  }
  if (draft.dueDate !== undefined && draft.dueDate < today) {
    problems.push({ path: "dueDate", message: "the due date is before the invoice date" });
  }
  return problems;
}
