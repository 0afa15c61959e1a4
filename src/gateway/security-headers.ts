import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import helmet from "helmet";

/**
 * The security headers of the pages and every other answer outside /api/: helmet's defaults
 * and a CSP the web app passes (docs/security.md, "Security headers and CSP").
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
 * The headers helmet sets with these options, computed once: none of them depends on the
 * request (no CSP nonce, no function directive), so helmet runs a single time against a
 * recording response.
 */
export function securityHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string) => {
      headers[name.toLowerCase()] = value;
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  // helmet ≥ 8.1 sets the headers synchronously and throws rather than passing errors on.
  helmet(securityHeaderOptions)(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    () => undefined,
  );
  return Object.freeze(headers);
}

/**
 * The headers of every answer under /api/: JSON, errors, the event stream and PDF downloads.
 * None of them is a document a browser renders, so the headers that only act on documents
 * (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, the IE and Flash era X-Download-Options,
 * X-Permitted-Cross-Domain-Policies and X-XSS-Protection) do nothing there; what is left is the
 * set OWASP's REST Security Cheat Sheet gives for API answers, with a CSP stricter than the
 * pages' (nothing may load, nothing may frame it), Cross-Origin-Resource-Policy against
 * cross-origin reads, and no-store (they carry tokens and personal data). A route may set its
 * own Cache-Control (a PDF download says `private, no-store`). Decision record 0012.
 */
export const apiSecurityHeaders: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy": "default-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  "cross-origin-resource-policy": "same-origin",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
});

/**
 * Sets the API set or the pages' on every answer of `app`, by path, as Fastify reply headers:
 * helmet's dozen middlewares no longer run per request (about 5 % of the gateway's time under
 * GET /me load), and headers set on the raw response no longer send Node's `writeHead` down its
 * merging path.
 */
export function addSecurityHeaders(app: FastifyInstance): void {
  const documents = securityHeaders();
  app.addHook("onRequest", (request, reply, done) => {
    void reply.headers(request.url.startsWith("/api/") ? apiSecurityHeaders : documents);
    done();
  });
}
