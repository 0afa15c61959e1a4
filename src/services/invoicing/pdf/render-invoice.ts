import PDFDocument from "pdfkit";
import type { Customer } from "../../../contracts/invoicing/index.ts";
import { formatMoney, formatRate } from "../domain/money.ts";
import { winAnsi, winAnsiLines } from "./win-ansi.ts";

/** Who issues the invoice: the user's profile as invoicing's seller view holds it. */
export interface Seller {
  readonly fullName: string | null;
  readonly email: string;
  readonly address: string | null;
}

/** Everything printed on an invoice; amounts in minor units of `currency`. */
export interface InvoiceDocument {
  readonly number: string;
  readonly issueDate: string;
  readonly dueDate: string | null;
  readonly currency: string;
  readonly taxBasisPoints: number;
  readonly customer: Customer;
  readonly items: readonly {
    description: string;
    quantity: number;
    unitPriceCents: number;
    amountCents: number;
  }[];
  readonly subtotalCents: number;
  readonly taxCents: number;
  readonly totalCents: number;
}

export type RenderPdf = (invoice: InvoiceDocument, seller: Seller) => Promise<Buffer>;

const MARGIN = 50;
const columns = {
  description: { x: MARGIN, width: 255 },
  quantity: { x: 310, width: 50 },
  unit: { x: 365, width: 85 },
  amount: { x: 455, width: 90 },
} as const;

/**
 * Renders an A4 invoice with pdfkit's standard fonts: number and dates, seller and customer
 * blocks, the lines, subtotal, tax and total. It fits one page up to about thirty lines; longer
 * invoices continue on further pages with the table header repeated. CPU work (a few ms): call it
 * outside any database transaction.
 */
export function renderInvoicePdf(
  invoice: InvoiceDocument,
  seller: Seller,
  options: { compress?: boolean } = {},
): Promise<Buffer> {
  const doc = new PDFDocument({
    size: "A4",
    margin: MARGIN,
    compress: options.compress ?? true,
    info: {
      Title: `Invoice ${invoice.number}`,
      Author: winAnsi(seller.fullName ?? seller.email),
      Producer: "Ledgerline",
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  draw(doc, invoice, seller);
  doc.end();
  return done;
}

function draw(doc: PDFKit.PDFDocument, invoice: InvoiceDocument, seller: Seller): void {
  const money = (minor: number) => formatMoney(minor, invoice.currency);
  const bottom = doc.page.height - MARGIN - 20;

  doc.font("Helvetica-Bold").fontSize(24).text("INVOICE", MARGIN, MARGIN);
  doc.font("Helvetica").fontSize(10);
  const meta = [
    `Invoice number: ${invoice.number}`,
    `Invoice date: ${invoice.issueDate}`,
    ...(invoice.dueDate ? [`Due date: ${invoice.dueDate}`] : []),
  ];
  meta.forEach((line, i) => doc.text(line, 300, MARGIN + 4 + i * 14, { width: 245, align: "right" }));

  let y = MARGIN + 70;
  const block = (title: string, lines: string[], x: number): number => {
    doc.font("Helvetica-Bold").fontSize(11).text(title, x, y);
    doc.font("Helvetica").fontSize(10);
    lines.forEach((line, i) =>
      doc.text(line, x, y + 16 + i * 13, { width: 230, lineBreak: false, ellipsis: true }),
    );
    return y + 16 + lines.length * 13;
  };
  const c = invoice.customer;
  const fromEnd = block(
    "From",
    [winAnsi(seller.fullName ?? seller.email), ...winAnsiLines(seller.address), winAnsi(seller.email)],
    MARGIN,
  );
  const toEnd = block(
    "Bill to",
    [
      winAnsi(c.name),
      ...winAnsiLines(c.address),
      ...(c.email ? [winAnsi(c.email)] : []),
      ...(c.taxId ? [`Tax ID: ${winAnsi(c.taxId)}`] : []),
    ],
    315,
  );
  y = Math.max(fromEnd, toEnd) + 30;

  const header = (): void => {
    doc.font("Helvetica-Bold").fontSize(10);
    doc.text("Description", columns.description.x, y, { width: columns.description.width });
    doc.text("Qty", columns.quantity.x, y, { width: columns.quantity.width, align: "right" });
    doc.text("Unit price", columns.unit.x, y, { width: columns.unit.width, align: "right" });
    doc.text("Amount", columns.amount.x, y, { width: columns.amount.width, align: "right" });
    y += 16;
    doc
      .moveTo(MARGIN, y - 3)
      .lineTo(doc.page.width - MARGIN, y - 3)
      .lineWidth(0.5)
      .stroke();
    doc.font("Helvetica").fontSize(10);
  };
  header();
  for (const item of invoice.items) {
    const description = winAnsi(item.description);
    const height = Math.max(doc.heightOfString(description, { width: columns.description.width }), 12) + 4;
    if (y + height > bottom) {
      doc.addPage();
      y = MARGIN;
      header();
    }
    doc.text(description, columns.description.x, y, { width: columns.description.width });
    doc.text(String(item.quantity), columns.quantity.x, y, { width: columns.quantity.width, align: "right" });
    doc.text(money(item.unitPriceCents), columns.unit.x, y, { width: columns.unit.width, align: "right" });
    doc.text(money(item.amountCents), columns.amount.x, y, { width: columns.amount.width, align: "right" });
    y += height;
  }

  if (y + 70 > bottom) {
    doc.addPage();
    y = MARGIN;
  }
  doc
    .moveTo(columns.unit.x, y + 2)
    .lineTo(doc.page.width - MARGIN, y + 2)
    .lineWidth(0.5)
    .stroke();
  y += 10;
  const total = (label: string, amount: string, bold = false): void => {
    doc.font(bold ? "Helvetica-Bold" : "Helvetica").fontSize(bold ? 12 : 10);
    doc.text(label, 300, y, { width: 150, align: "right" });
    doc.text(amount, columns.amount.x, y, { width: columns.amount.width, align: "right" });
    y += bold ? 18 : 15;
  };
  total("Subtotal", money(invoice.subtotalCents));
  total(`Tax (${formatRate(invoice.taxBasisPoints)})`, money(invoice.taxCents));
  total("Total", money(invoice.totalCents), true);

  doc.font("Helvetica").fontSize(8).fillColor("#666666");
  doc.text(`${invoice.number} - issued with Ledgerline`, MARGIN, doc.page.height - MARGIN - 10, {
    width: doc.page.width - 2 * MARGIN,
    align: "center",
    lineBreak: false,
  });
}
