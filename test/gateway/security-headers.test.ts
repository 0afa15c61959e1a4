import Fastify, { type FastifyInstance } from "fastify";
import helmet from "helmet";
import { describe, expect, it } from "vitest";
import { addSecurityHeaders, securityHeaderOptions } from "../../src/gateway/security-headers.ts";

/** Every header of an answer but its date, as sorted pairs. */
async function headersOf(setUp: (app: FastifyInstance) => void) {
  const app = Fastify({ logger: false });
  setUp(app);
  app.get("/", async () => ({ ok: true }));
  const { headers } = await app.inject("/");
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
});
