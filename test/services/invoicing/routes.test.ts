import Fastify from "fastify";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  generateInvoice,
  getInvoice,
  getInvoicePdf,
  invoiceFailed,
  invoiceGenerated,
} from "../../../src/contracts/invoicing/index.ts";
import { scoreCalculated } from "../../../src/contracts/scoring/index.ts";
import { Api } from "../../../src/gateway/api.ts";
import { installErrorHandling } from "../../../src/gateway/error-handler.ts";
import { invoiceRoutes } from "../../../src/gateway/routes/invoices.ts";
import { scoreRoutes } from "../../../src/gateway/routes/score.ts";
import { platformErrors } from "../../../src/platform/errors.ts";
import { newId } from "../../../src/platform/ids.ts";
import { renderInvoicePdf } from "../../../src/services/invoicing/pdf/render-invoice.ts";
import { draft } from "./flow.ts";
import type { FlowHarness } from "./harness.ts";
import { startFlowHarness } from "./harness.ts";
import { isPdf, pdfText } from "./pdf-text.ts";

const FAILING_CUSTOMER = "Render Fails Ltd";

describe("invoice and score routes over the real services", () => {
  let h: FlowHarness;
  let app: FastifyInstance;
  let api: Api;

  beforeAll(async () => {
    // A renderer that fails for one customer name, to see the failed path end to end.
    h = await startFlowHarness({
      invoicing: {
        render: (invoice, seller) =>
          invoice.customer.name === FAILING_CUSTOMER
            ? Promise.reject(new Error("font exploded"))
            : renderInvoicePdf(invoice, seller),
      },
    });
    app = Fastify();
    installErrorHandling(app);
    const requireUser = async (request: { headers: Record<string, unknown> }) => {
      const userId = request.headers["x-test-user"];
      if (typeof userId !== "string") throw platformErrors.UNAUTHENTICATED();
      return { userId };
    };
    api = new Api(app);
    invoiceRoutes(app, { requester: h.requester, requireUser, api });
    scoreRoutes(app, { requester: h.requester, requireUser, api });
    await app.ready();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it("issues an invoice (202), lists it, shows it and serves its PDF as an attachment", async () => {
    const userId = await h.newUser();
    const headers = { "x-test-user": userId };
    const posted = await app.inject({
      method: "POST",
      url: "/api/v1/invoices",
      headers,
      payload: draft({ taxRatePercent: undefined }),
    });
    expect(posted.statusCode).toBe(202);
    const { id, status } = posted.json<{ id: string; status: string }>();
    expect(status).toBe("pending");
    const { payload } = await h.event(invoiceGenerated, (p) => p.invoiceId === id);

    const list = await app.inject({ method: "GET", url: "/api/v1/invoices", headers });
    expect(list.json()).toEqual({
      invoices: [expect.objectContaining({ id, number: payload.number, status: "generated" })],
      nextCursor: null,
    });
    const one = await app.inject({ method: "GET", url: `/api/v1/invoices/${id}`, headers });
    expect(one.json()).toMatchObject({
      id,
      taxRatePercent: 0,
      taxCents: 0,
      subtotalCents: 42_035,
      totalCents: 42_035,
    });

    const pdf = await app.inject({ method: "GET", url: `/api/v1/invoices/${id}/pdf`, headers });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    expect(pdf.headers["content-disposition"]).toBe(`attachment; filename="${payload.number}.pdf"`);
    expect(isPdf(pdf.rawPayload)).toBe(true);
    expect(pdfText(pdf.rawPayload)).toContain(payload.number);

    const stranger = { "x-test-user": newId() };
    const hidden = await app.inject({ method: "GET", url: `/api/v1/invoices/${id}/pdf`, headers: stranger });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toMatchObject({ error: { code: "INVOICE_NOT_FOUND" } });
  });

  it("lists its routes in the OpenAPI document", () => {
    const { paths } = api.openapi({ title: "t", version: "1", serverUrl: "http://localhost" }) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/invoices",
        "/api/v1/invoices/{id}",
        "/api/v1/invoices/{id}/pdf",
        "/api/v1/score/recalculate",
        "/api/v1/score",
      ]),
    );
    expect(Object.keys(paths["/api/v1/invoices"] ?? {})).toEqual(["post", "get"]);
  });

  it("answers a bad body with 400 VALIDATION_FAILED and one detail per problem", async () => {
    const headers = { "x-test-user": newId() };
    const empty = await app.inject({
      method: "POST",
      url: "/api/v1/invoices",
      headers,
      payload: { ...draft(), items: [] },
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({
      error: { code: "VALIDATION_FAILED", details: [{ path: "items" }] },
    });
    const rules = await app.inject({
      method: "POST",
      url: "/api/v1/invoices",
      headers,
      payload: draft({ currency: "XYZ", taxRatePercent: 19.999, dueDate: "2000-01-01" }),
    });
    expect(rules.statusCode).toBe(400);
    expect(rules.json<{ error: { details: { path: string }[] } }>().error.details.map((d) => d.path)).toEqual(
      ["currency", "taxRatePercent", "dueDate"],
    );
    const badId = await app.inject({ method: "GET", url: "/api/v1/invoices/not-an-id", headers });
    expect(badId.statusCode).toBe(400);
  });

  it("makes one invoice of POSTs that share an Idempotency-Key", async () => {
    const userId = await h.newUser();
    const headers = { "x-test-user": userId, "idempotency-key": newId() };
    const first = await app.inject({ method: "POST", url: "/api/v1/invoices", headers, payload: draft() });
    const second = await app.inject({ method: "POST", url: "/api/v1/invoices", headers, payload: draft() });
    expect(second.json<{ id: string }>().id).toBe(first.json<{ id: string }>().id);
  });

  it("recalculates the score (202 with its requestId) and shows it", async () => {
    const userId = await h.newUser();
    const headers = { "x-test-user": userId };
    const posted = await app.inject({ method: "POST", url: "/api/v1/score/recalculate", headers });
    expect(posted.statusCode).toBe(202);
    const { requestId } = posted.json<{ requestId: string }>();
    const { payload } = await h.event(scoreCalculated, (p) => p.requestId === requestId);
    const score = await app.inject({ method: "GET", url: "/api/v1/score", headers });
    expect(score.json()).toMatchObject({
      score: payload.score,
      tier: payload.tier,
      history: [{ score: payload.score }],
    });
  });

  it("marks an invoice failed when its PDF cannot be rendered; its number stays used", async () => {
    const userId = await h.newUser();
    const issue = (name: string) =>
      h.requester.request(generateInvoice, userId, {
        ...draft({ customer: { name } }),
        userId,
        requestId: newId(),
      });
    const { id } = await issue(FAILING_CUSTOMER);
    const failed = await h.event(invoiceFailed, (p) => p.invoiceId === id);
    expect(failed.payload).toMatchObject({ userId, reason: expect.stringContaining("font exploded") });
    expect(await h.requester.request(getInvoice, userId, { userId, invoiceId: id })).toMatchObject({
      status: "failed",
      failureReason: failed.payload.reason,
      generatedAt: null,
    });
    await expect(h.requester.request(getInvoicePdf, userId, { userId, invoiceId: id })).rejects.toMatchObject(
      { code: "INVOICE_FAILED" },
    );
    const next = await issue("Fine Customer");
    expect((await h.event(invoiceGenerated, (p) => p.invoiceId === next.id)).payload.number).toMatch(
      /-000002$/,
    );
  });
});
