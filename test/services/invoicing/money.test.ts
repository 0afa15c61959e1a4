import { describe, expect, it } from "vitest";
import {
  draftProblems,
  MAX_SUBTOTAL_CENTS,
  minorDigits,
  taxBasisPoints,
} from "../../../src/contracts/invoicing/index.ts";
import type { InvoiceDraft } from "../../../src/contracts/invoicing/index.ts";
import {
  computeTotals,
  formatMoney,
  formatRate,
  taxCents,
  toDecimal,
} from "../../../src/services/invoicing/domain/money.ts";
import { invoiceNumber } from "../../../src/services/invoicing/domain/number.ts";

describe("invoice totals: tax once on the subtotal, half away from zero", () => {
  it.each([
    // subtotal, basis points, tax
    [0, 1900, 0],
    [1, 5000, 1], // 0.5 → 1
    [1, 4999, 0], // 0.4999 → 0
    [3, 5000, 2], // 1.5 → 2
    [5, 1000, 1], // 0.5 → 1
    [15, 1000, 2], // 1.5 → 2 (half-even agrees here) …
    [25, 1000, 3], // … 2.5 → 3, where half-even would give 2
    [1005, 1900, 191], // 190.95 → 191
    [1000, 1950, 195], // 19.5 % exact
    [333, 825, 27], // 27.4725 → 27
    [999_999, 10000, 999_999], // 100 %
    [12345, 0, 0],
    [MAX_SUBTOTAL_CENTS, 9999, 9_999_000_000_000], // exact at the largest subtotal
  ])("tax on %i at %i bp is %i", (subtotal, bp, tax) => {
    expect(taxCents(subtotal, bp)).toBe(tax);
  });

  it("sums lines exactly and taxes the subtotal, not each line", () => {
    const t = computeTotals(
      [
        { quantity: 1, unitPriceCents: 1 },
        { quantity: 1, unitPriceCents: 1 },
        { quantity: 1, unitPriceCents: 1 },
      ],
      5000,
    );
    // Per-line rounding would give 1 + 1 + 1 = 3; on the subtotal 1.5 → 2.
    expect(t).toEqual({ lines: [1, 1, 1], subtotalCents: 3, taxCents: 2, totalCents: 5 });
    expect(computeTotals([{ quantity: 1_000_000, unitPriceCents: 9_999_999 }], 2000)).toMatchObject({
      subtotalCents: 9_999_999_000_000,
      taxCents: 1_999_999_800_000,
      totalCents: 11_999_998_800_000,
    });
  });

  it("refuses amounts it cannot hold exactly", () => {
    expect(() => taxCents(-1, 100)).toThrow(RangeError);
    expect(() => taxCents(1, 10001)).toThrow(RangeError);
    expect(() => computeTotals([{ quantity: 1_000_000, unitPriceCents: 1e12 }], 0)).toThrow(RangeError);
  });

  it("reads tax rates with at most two decimals as basis points", () => {
    expect(taxBasisPoints(19)).toBe(1900);
    expect(taxBasisPoints(19.99)).toBe(1999);
    expect(taxBasisPoints(8.25)).toBe(825);
    expect(taxBasisPoints(0.01)).toBe(1);
    expect(taxBasisPoints(7.125)).toBeUndefined();
  });
});

describe("money formatting", () => {
  it("uses the currency's minor units and its ISO code", () => {
    expect(minorDigits("EUR")).toBe(2);
    expect(minorDigits("JPY")).toBe(0);
    expect(minorDigits("KWD")).toBe(3);
    expect(toDecimal(5, 2)).toBe("0.05");
    expect(toDecimal(123456, 3)).toBe("123.456");
    expect(formatMoney(123456, "EUR")).toBe("EUR 1,234.56");
    expect(formatMoney(1234, "JPY")).toBe("JPY 1,234");
    expect(formatMoney(5, "KWD")).toBe("KWD 0.005");
    expect(formatMoney(11_999_998_800_001, "USD")).toBe("USD 119,999,988,000.01");
    expect(formatRate(1950)).toBe("19.5%");
    expect(formatRate(1900)).toBe("19%");
    expect(formatRate(825)).toBe("8.25%");
  });

  it("numbers invoices per year with six digits at least", () => {
    expect(invoiceNumber(2026, 123)).toBe("INV-2026-000123");
    expect(invoiceNumber(2026, 1_234_567)).toBe("INV-2026-1234567");
  });
});

describe("draft rules beyond the schema", () => {
  const draft = (over: Partial<InvoiceDraft> = {}): InvoiceDraft => ({
    customer: { name: "Acme" },
    items: [{ description: "Work", quantity: 1, unitPriceCents: 100 }],
    currency: "EUR",
    taxRatePercent: 19,
    ...over,
  });

  it("accepts a plain draft", () => {
    expect(draftProblems(draft({ dueDate: "2026-01-01" }), "2026-01-01")).toEqual([]);
  });

  it("names each problem", () => {
    const problems = draftProblems(
      draft({
        currency: "ABC",
        taxRatePercent: 7.125,
        dueDate: "2025-12-31",
        items: [{ description: "x", quantity: 1_000_000, unitPriceCents: 100_000_000 }],
      }),
      "2026-01-01",
    );
    expect(problems.map((p) => p.path)).toEqual(["currency", "taxRatePercent", "items", "dueDate"]);
  });
});
