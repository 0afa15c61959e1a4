import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { InvoiceDocument } from "../../../src/services/invoicing/pdf/render-invoice.ts";
import { renderInvoicePdf } from "../../../src/services/invoicing/pdf/render-invoice.ts";
import { winAnsi } from "../../../src/services/invoicing/pdf/win-ansi.ts";
import { isPdf, pdfText } from "./pdf-text.ts";

const invoice = (items = 2): InvoiceDocument => ({
  number: "INV-2026-000042",
  issueDate: "2026-03-01",
  dueDate: "2026-03-31",
  currency: "EUR",
  taxBasisPoints: 1900,
  customer: {
    name: "Acme GmbH",
    email: "billing@acme.test",
    taxId: "DE123456789",
    address: "Hauptstraße 1, 10115 Berlin",
  },
  items: Array.from({ length: items }, (_, i) => ({
    description: `Consulting, day ${i + 1}`,
    quantity: 2,
    unitPriceCents: 50_000,
    amountCents: 100_000,
  })),
  subtotalCents: items * 100_000,
  taxCents: items * 19_000,
  totalCents: items * 119_000,
});
const seller = { fullName: "Zoë Łukasiewicz", email: "zoe@example.test", address: "1 Main St, Springfield" };
const pages = (pdf: Buffer) => pdf.toString("latin1").match(/\/Type \/Page\b/g)?.length ?? 0;

describe("invoice PDF", () => {
  it("is one page carrying the number, both parties, the lines and the totals", async () => {
    const pdf = await renderInvoicePdf(invoice(), seller);
    expect(isPdf(pdf)).toBe(true);
    expect(pages(pdf)).toBe(1);
    const text = pdfText(pdf);
    for (const expected of [
      "INV-2026-000042",
      "Invoice date: 2026-03-01",
      "Due date: 2026-03-31",
      "Zoë Lukasiewicz",
      "1 Main St",
      "zoe@example.test",
      "Acme GmbH",
      "Hauptstraße 1",
      "Tax ID: DE123456789",
      "Consulting, day 2",
      "EUR 500.00",
      "Tax (19%)",
      "EUR 2,380.00",
    ]) {
      expect(text).toContain(expected);
    }
  });

  it("continues a long invoice on further pages", async () => {
    const pdf = await renderInvoicePdf(invoice(100), seller);
    expect(pages(pdf)).toBeGreaterThan(1);
    expect(pdfText(pdf)).toContain("Consulting, day 100");
  });

  it("keeps text within the standard fonts' encoding", () => {
    expect(winAnsi("Zoë Łódź – “quoted” €")).toBe("Zoë Lódz – “quoted” €");
    expect(winAnsi("東京\tline\nbreak")).toBe("?? line break");
  });

  it("reads a compressed stream whose last byte is a carriage return (the test helper itself)", () => {
    // Deflated bytes end in 0x0d about once in 256 documents; one such stream, found by counting.
    let body = Buffer.alloc(0);
    let shown = "";
    for (let i = 0; body.at(-1) !== 0x0d; i++) {
      shown = `INV-${i}`;
      body = deflateSync(`BT [<${Buffer.from(shown, "latin1").toString("hex")}>] TJ ET`);
    }
    const pdf = Buffer.concat([
      Buffer.from(
        `%PDF-1.3\n1 0 obj\n<<\n/Length ${body.length}\n/Filter /FlateDecode\n>>\nstream\n`,
        "latin1",
      ),
      body,
      Buffer.from("\nendstream\nendobj\n%%EOF\n", "latin1"),
    ]);
    expect(pdfText(pdf)).toBe(shown);
  });
});
