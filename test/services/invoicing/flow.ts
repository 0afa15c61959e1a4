import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvoiceDraft } from "../../../src/contracts/invoicing/index.ts";
import {
  generateInvoice,
  getInvoice,
  getInvoicePdf,
  invoiceFailed,
  invoiceGenerated,
  invoiceRequested,
  listInvoices,
} from "../../../src/contracts/invoicing/index.ts";
import { createEnvelope } from "../../../src/messaging/envelope.ts";
import { dlqTopic } from "../../../src/messaging/transport.ts";
import { systemClock } from "../../../src/platform/clock.ts";
import { newId } from "../../../src/platform/ids.ts";
import { InvoicingRepository } from "../../../src/services/invoicing/db/repository.ts";
import { invoicingErrors } from "../../../src/services/invoicing/errors.ts";
import { renderInvoicePdf } from "../../../src/services/invoicing/pdf/render-invoice.ts";
import { resumePending } from "../../../src/services/invoicing/service.ts";
import type { FlowHarness } from "./harness.ts";
import { isPdf, pdfText } from "./pdf-text.ts";
import { waitFor } from "../../support/index.ts";

export const draft = (over: Partial<InvoiceDraft> = {}): InvoiceDraft => ({
  customer: {
    name: "Acme GmbH",
    email: "billing@acme.test",
    taxId: "DE123456789",
    address: "Hauptstraße 1, Berlin",
  },
  items: [
    { description: "Consulting", quantity: 3, unitPriceCents: 12_345 },
    { description: "Travel", quantity: 1, unitPriceCents: 5_000 },
  ],
  currency: "EUR",
  taxRatePercent: 19,
  dueDate: "2099-12-31",
  ...over,
});

const year = () => new Date().getUTCFullYear();

/** What invoicing must do on any transport. `make` gives a started harness; each case uses its own users. */
export function describeInvoicing(name: string, make: () => Promise<FlowHarness>, timeoutMs: number): void {
  describe(`invoicing: ${name}`, { timeout: timeoutMs }, () => {
    let h: FlowHarness;
    beforeAll(async () => {
      h = await make();
    }, timeoutMs * 2);
    afterAll(async () => {
      await h?.close();
    });

    const issue = (userId: string, over: Partial<InvoiceDraft> = {}, requestId = newId()) =>
      h.requester.request(generateInvoice, userId, { ...draft(over), userId, requestId });
    const generated = (invoiceId: string) =>
      h.event(invoiceGenerated, (p) => p.invoiceId === invoiceId, `invoice ${invoiceId} generated`);

    // First, while this platform's render thread has not started.
    it("starts the render thread when a user's invoices are listed, so their first PDF does not wait for it", async () => {
      const starts = async () => {
        const metric = h.platform.metrics.registry.getSingleMetric(
          "ledgerline_pdf_render_thread_starts_total",
        );
        const values = (await metric?.get())?.values ?? [];
        return Object.fromEntries(values.map((v) => [v.labels.reason, v.value]));
      };
      expect(await starts()).toEqual({});
      const userId = await h.newUser();
      expect((await h.requester.request(listInvoices, userId, { userId })).invoices).toEqual([]);
      expect(await starts()).toEqual({ warm: 1 });
      const { id } = await issue(userId);
      await generated(id);
      // The render found the thread running: none started for it.
      expect(await starts()).toEqual({ warm: 1 });
    });

    it("answers pending at once, then renders the PDF and announces invoice.generated", async () => {
      const userId = await h.newUser({ fullName: "Grace Hopper", address: "1 Navy Yard, Arlington" });
      const reply = await issue(userId);
      expect(reply).toEqual({ id: expect.any(String), status: "pending" });

      const event = await generated(reply.id);
      expect(event.key).toBe(userId);
      // 3 × 123.45 + 50.00 = 420.35; 19 % = 79.8665 → 79.87; total 500.22.
      expect(event.payload).toMatchObject({
        userId,
        number: `INV-${year()}-000001`,
        totalCents: 50_022,
        currency: "EUR",
      });

      const invoice = await h.requester.request(getInvoice, userId, { userId, invoiceId: reply.id });
      expect(invoice).toMatchObject({
        status: "generated",
        number: event.payload.number,
        subtotalCents: 42_035,
        taxCents: 7_987,
        totalCents: 50_022,
        taxRatePercent: 19,
        dueDate: "2099-12-31",
        items: [
          { description: "Consulting", quantity: 3, unitPriceCents: 12_345, amountCents: 37_035 },
          { description: "Travel", quantity: 1, unitPriceCents: 5_000, amountCents: 5_000 },
        ],
        generatedAt: event.payload.generatedAt,
      });

      const { number, pdfBase64 } = await h.requester.request(getInvoicePdf, userId, {
        userId,
        invoiceId: reply.id,
      });
      const pdf = Buffer.from(pdfBase64, "base64");
      expect(isPdf(pdf)).toBe(true);
      const text = pdfText(pdf);
      for (const expected of [
        number,
        "Grace Hopper",
        "1 Navy Yard",
        "Acme GmbH",
        "EUR 500.22",
        "Due date: 2099-12-31",
      ]) {
        expect(text).toContain(expected);
      }
      const { invoices } = await h.requester.request(listInvoices, userId, { userId });
      expect(invoices).toEqual([
        expect.objectContaining({ id: reply.id, number, status: "generated", totalCents: 50_022 }),
      ]);
    });

    it("numbers each user's invoices without gaps", async () => {
      const [a, b] = [await h.newUser(), await h.newUser()];
      const replies = await Promise.all([1, 2, 3, 4, 5].map(() => issue(a)));
      const first = await issue(b);
      const numbers = await Promise.all(replies.map(async (r) => (await generated(r.id)).payload.number));
      expect(numbers.sort()).toEqual([1, 2, 3, 4, 5].map((n) => `INV-${year()}-00000${n}`));
      expect((await generated(first.id)).payload.number).toBe(`INV-${year()}-000001`);
      const { invoices } = await h.requester.request(listInvoices, a, { userId: a });
      expect(invoices.map((i) => i.number)).toEqual([...numbers].reverse());
    });

    it("lists a user's invoices a page at a time, newest first, each once, and refuses a bad cursor", async () => {
      const [userId, other] = [await h.newUser(), await h.newUser()];
      for (let i = 0; i < 5; i++) await issue(userId);
      await issue(other);
      const { invoices: all, nextCursor: none } = await h.requester.request(listInvoices, userId, { userId });
      expect(all).toHaveLength(5);
      expect(none).toBeNull();
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await h.requester.request(listInvoices, userId, {
          userId,
          limit: 2,
          ...(cursor ? { cursor } : {}),
        });
        pages.push(page.invoices.map((i) => i.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual(all.map((i) => i.id));
      // Another user's cursor lists that user's own invoices after it, never the first user's.
      const firstPage = await h.requester.request(listInvoices, userId, { userId, limit: 1 });
      const theirs = await h.requester.request(listInvoices, other, {
        userId: other,
        cursor: firstPage.nextCursor ?? "",
      });
      expect(theirs.invoices.every((i) => !all.some((mine) => mine.id === i.id))).toBe(true);
      for (const cursor of [
        "",
        "not-a-cursor",
        Buffer.from('["2026-01-01T00:00:00.000Z",0]').toString("base64url"),
      ])
        await expect(h.requester.request(listInvoices, userId, { userId, cursor })).rejects.toMatchObject({
          code: "VALIDATION_FAILED",
          details: [{ path: "cursor", message: "This cursor is not valid." }],
        });
    });

    it("renders an invoice whose seller arrives after it, without a dead letter", async () => {
      const userId = newId();
      const renders = async () => {
        const { values } = await h.platform.metrics.handled.get();
        return values
          .filter((v) => v.labels.consumer === "invoicing.render")
          .filter((v) => v.labels.outcome === "ok" || v.labels.outcome === "dead_lettered")
          .reduce((sum, v) => sum + v.value, 0);
      };
      const before = await renders();
      const reply = await issue(userId);
      expect(reply.status).toBe("pending");
      // The render worker has met the invoice (and found no seller) before the seller exists.
      await waitFor(
        "the render worker to take the request",
        async () => (await renders()) > before,
        h.waitMs,
      );
      await h.newUser({ id: userId });
      expect((await generated(reply.id)).payload.number).toBe(`INV-${year()}-000001`);
      const dead = await h.platform.transport.read(dlqTopic(invoiceRequested.topic), { limit: 10_000 });
      expect(
        dead.filter((d) => (d.envelope.payload as { invoiceId: string }).invoiceId === reply.id),
      ).toEqual([]);
    });

    it("makes one invoice of one request, however often it is delivered", async () => {
      const userId = await h.newUser();
      const requestId = newId();
      const envelope = createEnvelope({
        type: generateInvoice.request.type,
        version: generateInvoice.request.version,
        key: userId,
        payload: { ...draft(), userId, requestId },
        replyTo: h.requester.replyTopic,
        deadline: new Date(Date.now() + h.waitMs),
      });
      await h.publish(generateInvoice.request.topic, envelope);
      await h.publish(generateInvoice.request.topic, envelope);
      // A new envelope with the same requestId (a retried request), after both on the user's partition.
      const retried = await issue(userId, {}, requestId);

      expect((await generated(retried.id)).payload.number).toBe(`INV-${year()}-000001`);
      expect(await issue(userId, {}, requestId)).toEqual({ id: retried.id, status: "generated" });
      // A later invoice of the same user: its events come after any the duplicates caused.
      const next = await issue(userId);
      expect((await generated(next.id)).payload.number).toBe(`INV-${year()}-000002`);
      const { invoices } = await h.requester.request(listInvoices, userId, { userId });
      expect(invoices.map((i) => i.id)).toEqual([next.id, retried.id]);
      expect(h.events(invoiceRequested, (p) => p.invoiceId === retried.id)).toHaveLength(1);
      expect(h.events(invoiceGenerated, (p) => p.invoiceId === retried.id)).toHaveLength(1);
    });

    it("shows a user only their own invoices", async () => {
      const [owner, other] = [await h.newUser(), await h.newUser()];
      const { id } = await issue(owner);
      await generated(id);
      await expect(
        h.requester.request(getInvoice, other, { userId: other, invoiceId: id }),
      ).rejects.toMatchObject({
        code: "INVOICE_NOT_FOUND",
        status: 404,
      });
      await expect(
        h.requester.request(getInvoicePdf, other, { userId: other, invoiceId: id }),
      ).rejects.toMatchObject({
        code: "INVOICE_NOT_FOUND",
      });
      expect((await h.requester.request(listInvoices, other, { userId: other })).invoices).toEqual([]);
    });

    it("rejects a draft that breaks the rules, with reasons, and spends no number", async () => {
      const userId = await h.newUser();
      await expect(issue(userId, { currency: "ABC", taxRatePercent: 7.125 })).rejects.toMatchObject({
        code: "INVOICE_INVALID",
        status: 400,
        details: [
          { path: "currency", message: expect.any(String) },
          { path: "taxRatePercent", message: expect.any(String) },
        ],
      });
      const { id } = await issue(userId);
      expect((await generated(id)).payload.number).toBe(`INV-${year()}-000001`);
    });

    it("keeps an invoice pending while the renderer is down, and renders it once it is back", async () => {
      const userId = await h.newUser();
      let down = 2;
      await h.restart({
        render: (invoice, seller) =>
          down-- > 0
            ? Promise.reject(invoicingErrors.INVOICE_RENDERER_UNAVAILABLE())
            : renderInvoicePdf(invoice, seller),
      });
      // Tried again by the render worker's own waits: the consumer is not held retrying in place.
      const retriedInPlace = async () =>
        (await h.platform.metrics.handled.get()).values
          .filter((v) => v.labels.consumer === "invoicing.render" && v.labels.outcome === "retried")
          .reduce((sum, v) => sum + v.value, 0);
      try {
        const before = await retriedInPlace();
        const { id } = await issue(userId);
        expect((await generated(id)).payload.invoiceId).toBe(id);
        expect(down).toBe(-1);
        expect(await retriedInPlace()).toBe(before);
        expect(h.events(invoiceFailed, (p) => p.invoiceId === id)).toHaveLength(0);
        expect(h.events(invoiceRequested, (p) => p.invoiceId === id)).toHaveLength(1);
        const dead = await h.platform.transport.read(dlqTopic(invoiceRequested.topic), { limit: 10_000 });
        expect(dead.filter((d) => (d.envelope.payload as { invoiceId: string }).invoiceId === id)).toEqual(
          [],
        );
      } finally {
        await h.restart();
      }
    });

    it("resumes invoices a dead worker left pending: by the sweep, and after a restart", async () => {
      const userId = await h.newUser();
      await h.restart({ renderWorker: false });
      const swept = await issue(userId);
      const restarted = await issue(userId);
      await expect(
        h.requester.request(getInvoicePdf, userId, { userId, invoiceId: swept.id }),
      ).rejects.toMatchObject({ code: "NOT_READY", status: 409 });
      expect(
        await h.requester.request(getInvoice, userId, { userId, invoiceId: restarted.id }),
      ).toMatchObject({ status: "pending" });

      // The sweep a worker runs at start and every minute, called directly (oldest first).
      const ctx = h.platform.contexts.get("invoicing");
      if (!ctx) throw new Error("no invoicing context");
      const deps = {
        ctx,
        repo: new InvoicingRepository(ctx.schema),
        clock: systemClock,
        render: renderInvoicePdf,
      };
      expect(await resumePending(deps, { before: new Date(), limit: 1 })).toMatchObject({ generated: 1 });
      expect((await generated(swept.id)).payload.number).toBe(`INV-${year()}-000001`);

      await h.restart();
      const event = await generated(restarted.id);
      expect(event.payload.number).toBe(`INV-${year()}-000002`);
      const { pdfBase64 } = await h.requester.request(getInvoicePdf, userId, {
        userId,
        invoiceId: restarted.id,
      });
      expect(pdfText(Buffer.from(pdfBase64, "base64"))).toContain(event.payload.number);
      // The start sweep and the redelivered invoice.requested both try; one stores and announces.
      // A later invoice of the same user is rendered after those redeliveries were handled.
      const next = await issue(userId);
      expect((await generated(next.id)).payload.number).toBe(`INV-${year()}-000003`);
      for (const { id } of [swept, restarted]) {
        expect(h.events(invoiceGenerated, (p) => p.invoiceId === id)).toHaveLength(1);
      }
    });
  });
}
