import Fastify, { type FastifyInstance, type RouteHandlerMethod } from "fastify";
import helmet from "helmet";
import { describe, expect, it } from "vitest";
import {
  addSecurityHeaders,
  apiSecurityHeaders,
  securityHeaderOptions,
} from "../../src/gateway/security-headers.ts";

/** Every header of an answer from `handler` at `url` but its date, as sorted pairs. */
async function headersOf(
  setUp: (app: FastifyInstance) => void,
  url = "/",
  handler: RouteHandlerMethod = async () => ({ ok: true }),
) {
  const app = Fastify({ logger: false });
  setUp(app);
  app.get(url, handler);
  const { headers } = await app.inject(url);
  await app.close();
  const { date: _date, ...rest } = headers;
  return Object.entries(rest).sort(([a], [b]) => a.localeCompare(b));
}

describe("security headers", () => {
  it("computed once, are exactly what helmet sets on each response itself", async () => {
    const computed = await headersOf(addSecurityHeaders);
    const perRequest = await headersOf((app) => {
      const setHeaders = helmet(securityHeaderOptions);
      app.addHook("onRequest", (request, reply, done) => {
        setHeaders(request.raw, reply.raw, () => undefined);
        done();
      });
    });
    expect(computed).toEqual(perRequest);
    expect(computed.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        "content-security-policy",
        "strict-transport-security",
        "x-content-type-options",
      ]),
    );
  });

  it("under /api/ are the API set: a CSP that lets nothing load or frame, no document-only headers", async () => {
    const api = Object.fromEntries(await headersOf(addSecurityHeaders, "/api/v1/thing"));
    const { "content-length": _length, "content-type": _type, connection: _connection, ...security } = api;
    expect(security).toEqual(apiSecurityHeaders);
    expect(api["content-security-policy"]).toBe(
      "default-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(api["cache-control"]).toBe("no-store");
    for (const pageOnly of ["cross-origin-opener-policy", "origin-agent-cluster", "x-xss-protection"]) {
      expect(api[pageOnly], pageOnly).toBeUndefined();
    }
    // The pages keep helmet's full set.
    const page = Object.fromEntries(await headersOf(addSecurityHeaders, "/"));
    expect(page["cross-origin-opener-policy"]).toBe("same-origin");
    expect(page["cache-control"]).toBeUndefined();
  });

  it("a route's own Cache-Control under /api/ wins over no-store", async () => {
    const headers = Object.fromEntries(
      await headersOf(addSecurityHeaders, "/api/v1/download", async (_request, reply) =>
        reply.header("cache-control", "private, no-store").send("pdf"),
      ),
    );
    expect(headers["cache-control"]).toBe("private, no-store");
    expect(headers["x-content-type-options"]).toBe("nosniff");
  });
});
