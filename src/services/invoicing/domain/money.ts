import type { Item } from "../../../contracts/invoicing/index.ts";
import { minorDigits } from "../../../contracts/invoicing/index.ts";

/**
 * Invoice arithmetic in integer minor units ("cents"). The rounding rule, the only one:
 *
 *   line amount = quantity × unit price                 (exact)
 *   subtotal    = Σ line amounts                         (exact)
 *   tax         = subtotal × rate, computed once on the subtotal (never per line), rounded to
 *                 the nearest minor unit, halves away from zero ("commercial" rounding)
 *   total       = subtotal + tax
 *
 * The rate is held in basis points (19.5 % = 1950), so the tax is an exact integer division:
 * tax = ⌊(subtotal × bp + 5000) / 10000⌋ for the non-negative amounts invoices have. BigInt
 * keeps the products exact; callers keep subtotals within MAX_SUBTOTAL_CENTS.
 */
export interface Totals {
  readonly lines: readonly number[];
  readonly subtotalCents: number;
  readonly taxCents: number;
  readonly totalCents: number;
}

export function taxCents(subtotalCents: number, basisPoints: number): number {
  if (!Number.isSafeInteger(subtotalCents) || subtotalCents < 0)
    throw new RangeError("subtotal must be a non-negative integer");
  if (!Number.isInteger(basisPoints) || basisPoints < 0 || basisPoints > 10_000)
    throw new RangeError("rate out of range");
  return Number((BigInt(subtotalCents) * BigInt(basisPoints) + 5_000n) / 10_000n);
}

export function computeTotals(
  items: readonly Pick<Item, "quantity" | "unitPriceCents">[],
  basisPoints: number,
): Totals {
  const lines = items.map((i) => BigInt(i.quantity) * BigInt(i.unitPriceCents));
  const subtotal = lines.reduce((a, b) => a + b, 0n);
  if (subtotal > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError("subtotal too large");
  const subtotalCents = Number(subtotal);
  const tax = taxCents(subtotalCents, basisPoints);
  return { lines: lines.map(Number), subtotalCents, taxCents: tax, totalCents: subtotalCents + tax };
}

/** The exact decimal string of an amount in minor units: 123456 EUR → "1234.56". */
export function toDecimal(minor: number, digits: number): string {
  const s = String(Math.abs(minor)).padStart(digits + 1, "0");
  const sign = minor < 0 ? "-" : "";
  return digits === 0 ? `${sign}${s}` : `${sign}${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

const formats = new Map<string, Intl.NumberFormat>();

/** "EUR 1,234.56": the ISO code rather than a symbol, which also keeps to the PDF's standard fonts. */
export function formatMoney(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  let format = formats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      currencyDisplay: "code",
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formats.set(currency, format);
  }
  // A decimal string is formatted exactly (Intl.NumberFormat v3), never through a double.
  return format.format(toDecimal(minor, digits) as Intl.StringNumericLiteral).replace(/\u00a0/g, " ");
}

/** 1950 bp → "19.5%". */
export function formatRate(basisPoints: number): string {
  return `${(basisPoints / 100).toFixed(2).replace(/\.?0+$/, "")}%`;
}
