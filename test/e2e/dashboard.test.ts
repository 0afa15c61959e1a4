import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdmin } from "../../src/contracts/accounts/index.ts";
import { unique, waitFor } from "../support/index.ts";
import type { Stack, StackKind } from "./stack.ts";
import { Client, stackKinds, startStack, until } from "./stack.ts";

/** `ledgerline_partitions_held` from /metrics, per group. */
async function partitionsHeld(stack: Stack): Promise<Map<string, number>> {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  const held = new Map<string, number>();
  for (const [, group, value] of text.matchAll(/^ledgerline_partitions_held\{group="([^"]+)"\} (\d+)$/gm))
    held.set(group!, Number(value));
  return held;
}

interface SseEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** Reads a server-sent event stream into an array until aborted. */
function openStream(url: string, token: string, lastEventId?: string): { events: SseEvent[]; close(): void } {
  const events: SseEvent[] = [];
  const abort = new AbortController();
  void (async () => {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
      signal: abort.signal,
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split("\n")
            .filter((l) => l && !l.startsWith(":"))
            .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]),
        ) as Record<string, string>;
        if (fields.event && fields.data)
          events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
      }
    }
  })().catch(() => undefined);
  return { events, close: () => abort.abort() };
}

describe.each(stackKinds())("dashboard over HTTP (%s)", (kind: StackKind) => {
  let stack: Stack;
  let user: Client;

  beforeAll(async () => {
    stack = await startStack(kind);
    const email = `${unique("seller")}@example.test`;
    const password = "selling ledgers since 1843";
    await stack.platform.requester!.request(createAdmin, email, {
      email,
      password: stack.platform.sealer.seal(password),
    });
    user = new Client(stack.url);
    const login = await until(
      () => user.post("/api/v1/login", { email, password }),
      (a) => a.status === 200,
    );
    user.bearer = login.body.token as string;
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it(
    "generates an invoice, pushes invoice.generated live, serves the PDF and a score",
    { timeout: 90_000 },
    async () => {
      const stream = openStream(`${stack.url}/api/v1/events`, user.bearer!);
      try {
        const created = await user.post("/api/v1/invoices", {
          customer: { name: "Charles Babbage", email: "charles@example.test" },
          items: [
            { description: "Difference engine design", quantity: 2, unitPriceCents: 12_345 },
            { description: "Punched cards", quantity: 100, unitPriceCents: 5 },
          ],
          currency: "GBP",
          taxRatePercent: 20,
        });
        expect(created.status).toBe(202);
        expect(created.body).toMatchObject({ status: "pending" });
        const id = created.body.id as string;

        const generated = await waitFor(
          "invoice.generated on the stream",
          () => stream.events.find((e) => e.event === "invoice.generated" && e.data.invoiceId === id),
          30_000,
        );
        expect(generated.data.number).toMatch(/^INV-\d{4}-\d{6}$/);

        const invoice = await user.get(`/api/v1/invoices/${id}`);
        expect(invoice.body).toMatchObject({
          status: "generated",
          subtotalCents: 25_190,
          taxCents: 5_038,
          totalCents: 30_228,
        });
        const pdf = await fetch(`${stack.url}/api/v1/invoices/${id}/pdf`, {
          headers: { authorization: `Bearer ${user.bearer}` },
        });
        expect(pdf.status).toBe(200);
        expect(pdf.headers.get("content-type")).toBe("application/pdf");
        expect(
          Buffer.from(await pdf.arrayBuffer())
            .subarray(0, 5)
            .toString(),
        ).toBe("%PDF-");

        const scored = await waitFor(
          "score.calculated on the stream",
          () => stream.events.find((e) => e.event === "score.calculated"),
          30_000,
        );
        expect(scored.data.score).toEqual(expect.any(Number));
        const score = await until(
          () => user.get("/api/v1/score"),
          (a) => a.body.score !== null,
        );
        expect(score.body).toMatchObject({ score: expect.any(Number), tier: expect.any(String) });

        // A page that reconnects with Last-Event-ID gets what it missed.
        const resumed = openStream(
          `${stack.url}/api/v1/events`,
          user.bearer!,
          "00000000-0000-7000-8000-000000000000",
        );
        try {
          await waitFor("replayed events", () => resumed.events.some((e) => e.id === generated.id), 10_000);
        } finally {
          resumed.close();
        }
      } finally {
        stream.close();
      }
    },
  );

  it("answers 409 NOT_READY for a pending PDF and 404 for someone else's invoice", async () => {
    const other = new Client(stack.url);
    expect((await other.get("/api/v1/invoices")).status).toBe(401);
    const missing = await user.get("/api/v1/invoices/01900000-0000-7000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe("INVOICE_NOT_FOUND");
  });

  it("pages through the invoices with nextCursor, and refuses a bad page query", async () => {
    for (let i = 0; i < 2; i++) {
      const created = await user.post("/api/v1/invoices", {
        customer: { name: `Customer ${i}` },
        items: [{ description: "Hours", quantity: 1, unitPriceCents: 100 }],
        currency: "EUR",
      });
      expect(created.status).toBe(202);
    }
    const all = await user.get("/api/v1/invoices");
    expect(all.body.nextCursor).toBeNull();
    const ids = (all.body.invoices as { id: string }[]).map((i) => i.id);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    const paged: string[] = [];
    let next = `/api/v1/invoices?limit=2`;
    for (;;) {
      const page = await user.get(next);
      expect(page.status).toBe(200);
      paged.push(...(page.body.invoices as { id: string }[]).map((i) => i.id));
      if (page.body.nextCursor === null) break;
      next = `/api/v1/invoices?limit=2&cursor=${encodeURIComponent(page.body.nextCursor as string)}`;
    }
    expect(paged).toEqual(ids);
    for (const [query, path] of [
      ["cursor=bm90LWEtY3Vyc29y", "cursor"],
      ["limit=0", "limit"],
      ["limit=501", "limit"],
      ["page=2", "page"],
    ] as const) {
      const refused = await user.get(`/api/v1/invoices?${query}`);
      expect(refused.status, query).toBe(400);
      expect(refused.body.error).toMatchObject({ code: "VALIDATION_FAILED", details: [{ path }] });
    }
  });

  it("groups what a request set off by correlation id on the event-flow endpoint", async () => {
    const created = await user.post("/api/v1/score/recalculate");
    expect(created.status).toBe(202);
    type Flow = { messages: { type: string; source: string | null }[] };
    // The flow this request set off: the one holding its calculate-score. Earlier tests left
    // score.calculated flows of their own, so wait on this flow, not on any.
    const ofRequest = (body: Record<string, unknown>): Flow | undefined =>
      (body.flows as Flow[]).find((f) => f.messages.some((m) => m.type === "calculate-score"));
    const flows = await until(
      () => user.get("/api/v1/dev/flow?minutes=5"),
      (a) => ofRequest(a.body)?.messages.some((m) => m.type === "score.calculated") ?? false,
    );
    const flow = ofRequest(flows.body);
    expect(flow?.messages.map((m) => m.type)).toEqual(
      expect.arrayContaining(["calculate-score", "score.calculated"]),
    );
  });

  it("says on /metrics how many partitions each of its services' consumer groups holds", async () => {
    const groups = [...stack.platform.contexts.values()].flatMap((ctx) => ctx.held().map((h) => h.group));
    expect(groups.length).toBeGreaterThan(20);
    // A single instance gets every partition of its topics once its groups have joined.
    await waitFor(
      "every group to hold partitions",
      async () => {
        const held = await partitionsHeld(stack);
        return groups.every((g) => (held.get(g) ?? 0) > 0);
      },
      60_000,
    );
    const held = await partitionsHeld(stack);
    expect([...held.keys()].sort()).toEqual([...groups].sort());
  });
});
