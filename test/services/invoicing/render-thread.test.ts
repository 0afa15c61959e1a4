import { afterEach, describe, expect, it } from "vitest";
import type { InvoiceDocument } from "../../../src/services/invoicing/pdf/render-invoice.ts";
import { RenderThread } from "../../../src/services/invoicing/pdf/render-thread.ts";
import { waitFor } from "../../support/index.ts";
import { isPdf, pdfText } from "./pdf-text.ts";

const invoice = (number: string): InvoiceDocument => ({
  number,
  issueDate: "2026-03-01",
  dueDate: null,
  currency: "EUR",
  taxBasisPoints: 0,
  customer: { name: "Acme GmbH" },
  items: [{ description: "Consulting", quantity: 1, unitPriceCents: 10_000, amountCents: 10_000 }],
  subtotalCents: 10_000,
  taxCents: 0,
  totalCents: 10_000,
});
const seller = { fullName: "Zoë Example", email: "zoe@example.test", address: null };
const misbehaving = new URL("./fixtures/misbehaving-render-thread.mjs", import.meta.url);

describe("the PDF render thread", { timeout: 30_000 }, () => {
  const threads: RenderThread[] = [];
  const open = (options: ConstructorParameters<typeof RenderThread>[0] = {}) => {
    const thread = new RenderThread(options);
    threads.push(thread);
    return thread;
  };
  afterEach(async () => {
    await Promise.all(threads.splice(0).map((t) => t.close()));
  });

  it("starts with the first render, renders in turn, and stops when idle", async () => {
    const thread = open({ idleMs: 200 });
    expect(thread.running).toBe(false);
    const pdfs = await Promise.all(["INV-1", "INV-2", "INV-3"].map((n) => thread.render(invoice(n), seller)));
    expect(thread.running).toBe(true);
    pdfs.forEach((pdf, i) => {
      expect(isPdf(pdf)).toBe(true);
      expect(pdfText(pdf)).toContain(`INV-${i + 1}`);
    });
    await waitFor("the idle thread to stop", () => !thread.running, 5_000);
    expect(pdfText(await thread.render(invoice("INV-4"), seller))).toContain("INV-4");
  });

  it("starts when warmed, serves the next render on that thread, and stops when idle after it", async () => {
    const starts: string[] = [];
    const thread = open({ idleMs: 200, onStart: (reason) => starts.push(reason) });
    thread.warm();
    expect(thread.running).toBe(true);
    expect(starts).toEqual(["warm"]);
    expect(pdfText(await thread.render(invoice("INV-1"), seller))).toContain("INV-1");
    expect(starts).toEqual(["warm"]);
    await waitFor("the idle thread to stop", () => !thread.running, 5_000);
    // Warmed and not used, it stops too.
    thread.warm();
    expect(starts).toEqual(["warm", "warm"]);
    await waitFor("the warmed thread to stop", () => !thread.running, 5_000);
    await thread.close();
    thread.warm();
    expect(thread.running).toBe(false);
  });

  it("rejects a document the renderer cannot draw with its own error, and keeps the thread", async () => {
    const thread = open();
    const broken = { ...invoice("INV-1"), items: null } as unknown as InvoiceDocument;
    const error: unknown = await thread.render(broken, seller).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toHaveProperty("code");
    expect(thread.running).toBe(true);
    expect(isPdf(await thread.render(invoice("INV-2"), seller))).toBe(true);
  });

  it("turns a crashed thread into a retryable error for what it held, and starts a new one", async () => {
    const failures: Error[] = [];
    const thread = open({ entry: misbehaving, onFailure: (e) => failures.push(e) });
    expect(isPdf(await thread.render(invoice("INV-1"), seller))).toBe(true);
    const held = [thread.render(invoice("CRASH"), seller), thread.render(invoice("INV-2"), seller)];
    for (const outcome of await Promise.allSettled(held)) {
      expect(outcome).toMatchObject({
        status: "rejected",
        reason: { code: "INVOICE_RENDERER_UNAVAILABLE", canRetry: true },
      });
    }
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toMatch(/exited \(3\)/);
    expect(pdfText(await thread.render(invoice("INV-3"), seller))).toContain("INV-3");
  });

  it("replaces a thread that hangs once a render outlasts the timeout", async () => {
    // The bound counts the thread's start too (tsx and pdfkit load in it: seconds on a busy machine).
    const thread = open({ entry: misbehaving, timeoutMs: 8_000 });
    await expect(thread.render(invoice("HANG"), seller)).rejects.toMatchObject({
      code: "INVOICE_RENDERER_UNAVAILABLE",
      message: expect.stringMatching(/longer than 8000 ms/),
    });
    expect(pdfText(await thread.render(invoice("INV-1"), seller))).toContain("INV-1");
  });

  it("rejects renders under way and after close as retryable", async () => {
    const thread = open({ entry: misbehaving });
    const hanging = thread.render(invoice("HANG"), seller).catch((error: unknown) => error);
    await thread.close();
    expect(await hanging).toMatchObject({ code: "INVOICE_RENDERER_UNAVAILABLE" });
    await expect(thread.render(invoice("INV-1"), seller)).rejects.toMatchObject({
      code: "INVOICE_RENDERER_UNAVAILABLE",
    });
    expect(thread.running).toBe(false);
  });
});
