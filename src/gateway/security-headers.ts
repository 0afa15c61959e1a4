import type { FastifyInstance } from "fastify";
import helmet from "helmet";

/**
 * The security headers of every answer: helmet's defaults and a CSP the web app passes
 * (docs/security.md, "Security headers and CSP").
 */
export const securityHeaderOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
      // ASVS 3.4.3: object-src 'none' (helmet's default) and base-uri 'none'.
      baseUri: ["'none'"],
    },
  },
};

/**
 * Sets them on every request of `app`. helmet's middleware is built once: @fastify/helmet builds
 * it (and parses the CSP) per request, which the GET /me profile showed as a tenth of the
 * gateway's time.
 */
export function addSecurityHeaders(app: FastifyInstance): void {
  const setHeaders = helmet(securityHeaderOptions);
  app.addHook("onRequest", (request, reply, done) => {
    // helmet ≥ 8.1 sets the headers synchronously and throws rather than passing errors on.
    setHeaders(request.raw, reply.raw, () => undefined);
    done();
  });
}
