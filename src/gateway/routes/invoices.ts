import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import {
  draftProblems,
  generateInvoice,
  getInvoice,
  getInvoicePdf,
  invoiceDraftBody,
  LIST_INVOICES_MAX,
  listInvoices,
} from "../../contracts/invoicing/index.ts";
import type { Requester } from "../../messaging/request-reply.ts";
import { platformErrors } from "../../platform/errors.ts";
import { newId } from "../../platform/ids.ts";
import { Api } from "../api.ts";

/** An invoice id in the path: anything else is 400 naming the parameter. */
const invoiceParams = z.object({ id: z.uuid({ error: "expected an invoice id" }) });

/** An optional client-chosen idempotency key: POSTs that repeat it get the invoice the first one made. */
function requestIdOf(request: FastifyRequest): string {
  const key = request.headers["idempotency-key"];
  if (key === undefined) return newId();
  const parsed = z.uuid().safeParse(key);
  if (!parsed.success) {
    throw platformErrors.VALIDATION_FAILED({
      details: [{ path: "Idempotency-Key", message: "expected a UUID" }],
    });
  }
  return parsed.data;
}

/**
 * The accounting dashboard's invoices (API.md). POST answers 202 as soon as invoicing stored the
 * invoice; invoice.generated or invoice.failed follows on the event stream. A bad body is 400
 * VALIDATION_FAILED with one detail per problem, before anything is sent. Pass the gateway's `api`
 * for the routes to land in /openapi.json.
 */
export function invoiceRoutes(
  app: FastifyInstance,
  deps: {
    requester: Requester;
    requireUser: (request: FastifyRequest) => Promise<{ userId: string }>;
    api?: Api;
  },
): void {
  const { requester, requireUser } = deps;
  const api = deps.api ?? new Api(app);
  const common = { tag: "invoices", access: "user" } as const;

  api.route(
    {
      ...common,
      method: "POST",
      url: "/api/v1/invoices",
      summary: "Issue an invoice; its PDF is rendered asynchronously (invoice.generated on /api/v1/events).",
      body: invoiceDraftBody,
      success: { 202: "{ id, status: pending }" },
    },
    async ({ request, reply, body }) => {
      const { userId } = await requireUser(request);
      const problems = draftProblems(body, new Date().toISOString().slice(0, 10));
      if (problems.length > 0) throw platformErrors.VALIDATION_FAILED({ details: problems });
      const requestId = requestIdOf(request);
      const result = await requester.request(generateInvoice, userId, { ...body, userId, requestId });
      return reply.status(202).send(result);
    },
  );

  api.route(
    {
      ...common,
      method: "GET",
      url: "/api/v1/invoices",
      summary: "The user's invoices, newest first, a page at a time (pass nextCursor as cursor).",
      query: z.strictObject({
        cursor: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(LIST_INVOICES_MAX).optional(),
      }),
      success: { 200: "{ invoices, nextCursor }" },
    },
    async ({ request, query }) => {
      const { userId } = await requireUser(request);
      const { invoices, nextCursor } = await requester.request(listInvoices, userId, {
        userId,
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      });
      return { invoices, nextCursor: nextCursor ?? null };
    },
  );

  api.route(
    {
      ...common,
      method: "GET",
      url: "/api/v1/invoices/:id",
      params: invoiceParams,
      summary: "One invoice with its lines and totals.",
      success: { 200: "the invoice" },
      errors: ["INVOICE_NOT_FOUND"],
    },
    async ({ request, params }) => {
      const { userId } = await requireUser(request);
      return requester.request(getInvoice, userId, { userId, invoiceId: params.id });
    },
  );

  api.route(
    {
      ...common,
      method: "GET",
      url: "/api/v1/invoices/:id/pdf",
      params: invoiceParams,
      summary: "The invoice's PDF, as an attachment named after its number.",
      success: { 200: "the PDF" },
      produces: "application/pdf",
      errors: ["INVOICE_NOT_FOUND", "NOT_READY", "INVOICE_FAILED"],
    },
    async ({ request, reply, params }) => {
      const { userId } = await requireUser(request);
      const { number, pdfBase64 } = await requester.request(getInvoicePdf, userId, {
        userId,
        invoiceId: params.id,
      });
      return reply
        .type("application/pdf")
        .header("Content-Disposition", `attachment; filename="${number}.pdf"`)
        .header("Cache-Control", "private, no-store")
        .send(Buffer.from(pdfBase64, "base64"));
    },
  );
}
