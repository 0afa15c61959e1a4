import cookie from "@fastify/cookie";
import Fastify, { LogController } from "fastify";
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from "fastify";
import type { Platform } from "../runtime/platform.ts";
import { Api } from "./api.ts";
import type { GatewayContext } from "./context.ts";
import { clientErrorHandler, frameworkErrors, installErrorHandling } from "./error-handler.ts";
import { RateLimiter } from "./rate-limit.ts";
import { accountRoutes } from "./routes/accounts.ts";
import { adminRoutes } from "./routes/admin.ts";
import { devMailboxRoutes } from "./routes/dev-mailbox.ts";
import { docsRoutes } from "./routes/docs.ts";
import { invoiceRoutes } from "./routes/invoices.ts";
import { scoreRoutes } from "./routes/score.ts";
import { operationsRoutes } from "./routes/operations.ts";
import { ProfileCache } from "./profiles.ts";
import { addSecurityHeaders } from "./security-headers.ts";
import { SessionResolver } from "./sessions.ts";
import { FlowRecorder } from "./flow-recorder.ts";
import { LiveEvents } from "./live-events.ts";
import { liveRoutes } from "./routes/live.ts";
import { webRoutes } from "./routes/web.ts";
import type { Span } from "../platform/telemetry.ts";
import { startSpan, withSpan } from "../platform/telemetry.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The request's server span (set by the first onRequest hook; null before it). */
    span: Span | null;
  }
}

export const BODY_LIMIT = 64 * 1024;
const HOUR = 3_600_000;

export interface Gateway {
  readonly app: FastifyInstance;
  readonly context: GatewayContext;
  /** Every route Fastify serves, as registered (for the OpenAPI coverage test). */
  routes(): readonly { method: string; url: string }[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** TRUST_PROXY: true, false, or a comma-separated list of proxy addresses/CIDRs. */
function trustProxy(value: string): boolean | string[] {
  if (value === "true" || value === "false") return value === "true";
  return value.split(",").map((v) => v.trim());
}

/**
 * The only HTTP entry point: JSON API, docs, health and metrics. It owns no data; it turns
 * requests into commands over the platform's transport and answers from their replies.
 */
export async function buildGateway(platform: Platform): Promise<Gateway> {
  const requester = platform.requester;
  if (!requester) throw new Error("the gateway needs a platform started with requester: true");
  const { config } = platform;
  const app = Fastify({
    loggerInstance: platform.log.child({ part: "gateway" }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    trustProxy: trustProxy(config.TRUST_PROXY),
    return503OnClosing: true,
    genReqId: () => crypto.randomUUID(),
    // request.log is the gateway's logger itself: every line logged while a request is handled
    // already carries its id as correlationId (the mixin of createLogger), so a pino child per
    // request binding the same id again is only garbage.
    childLoggerFactory: (logger) => logger,
    clientErrorHandler,
    frameworkErrors,
    // Plugins load while the services start on the same event loop: on a busy machine 10 s is short.
    pluginTimeout: 60_000,
  });
  const routes: { method: string; url: string }[] = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  installErrorHandling(app);
  // Bodies are JSON only: a text/plain body is 415 like any other type, not a string that
  // fails validation (Fastify parses text/plain by default).
  app.removeContentTypeParser("text/plain");
  // An empty body sent as application/json (many clients send the header on every request, a
  // DELETE included) is no body: a route that takes none answers as without the header, and one
  // that needs one names its missing fields. Any other body goes to Fastify's own parser, which
  // refuses `__proto__` and `constructor.prototype` keys.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (body === "") done(null, undefined);
    else void parseJson(request, body as string, done);
  });
  // Every command a request sends carries the request's id as its correlation id, and the
  // request's span as its trace context (continuing the caller's W3C traceparent, if any).
  app.decorateRequest("span", null);
  app.addHook("onRequest", (request, _reply, done) => {
    const header = request.headers.traceparent;
    const span = startSpan(`${request.method} ${request.routeOptions.url ?? "unmatched"}`, {
      parent: typeof header === "string" ? header : undefined,
      kind: "server",
      attributes: { "http.request.method": request.method, "url.path": request.url.split("?")[0] ?? "" },
    });
    request.span = span;
    withSpan(span, done, request.id);
  });
  app.addHook("onResponse", (request, reply, done) => {
    const { span } = request;
    span?.setAttribute("http.response.status_code", reply.statusCode);
    span?.end(reply.statusCode >= 500 ? { error: `HTTP ${reply.statusCode}` } : undefined);
    done();
  });
  // Under /api/ these include Cache-Control: no-store (answers carry tokens and personal data).
  addSecurityHeaders(app);
  await app.register(cookie);

  const sessions = new SessionResolver(platform, requester, platform.sealer);
  const profiles = new ProfileCache(platform, requester);
  const limits = {
    loginFailuresPerIp: new RateLimiter(config.LOGIN_FAILURES_PER_IP_PER_HOUR, HOUR),
    requestsPerIp: new RateLimiter(config.REQUESTS_PER_IP_PER_HOUR, HOUR),
    requestsPerEmail: new RateLimiter(config.REQUESTS_PER_EMAIL_PER_HOUR, HOUR),
  };
  const context: GatewayContext = { api: new Api(app), platform, requester, sessions, profiles, limits };

  operationsRoutes(app, platform);
  accountRoutes(context);
  adminRoutes(context);
  const requireUser = async (request: FastifyRequest) => ({
    userId: (await sessions.require(request)).session.user.id,
  });
  invoiceRoutes(app, { requester, requireUser, api: context.api });
  scoreRoutes(app, { requester, requireUser, api: context.api });
  const live = new LiveEvents(platform);
  sessions.onRevoked = (event) => live.sessionRevoked(event.userId, event.sessionId);
  // Development aids, on while the embedded mail catcher is (SMTP_URL unset).
  const devMode = !config.SMTP_URL;
  const flow = devMode ? new FlowRecorder(platform) : undefined;
  liveRoutes(context, live, flow);
  if (devMode) devMailboxRoutes(app, { requester });
  docsRoutes(context);
  documentOtherRoutes(context.api, devMode);
  // The web app: its pages (index.html) and built assets; unknown /api paths stay the JSON 404.
  await webRoutes(app);

  return {
    app,
    context,
    routes: () => routes,
    start: async () => {
      await Promise.all([sessions.start(), profiles.start(), live.start(), flow?.start()]);
    },
    stop: async () => {
      await live.stop();
      await app.close();
      await sessions.stop();
      await profiles.stop();
      await flow?.stop();
      for (const limiter of Object.values(limits)) limiter.stop();
    },
  };
}

/** Routes registered outside `api.route`, so /openapi.json covers every route. */
function documentOtherRoutes(api: Api, devMode: boolean): void {
  const ops = { tag: "operations", access: "public" as const };
  api.document({ ...ops, method: "GET", url: "/healthz", summary: "Liveness.", success: { 200: "ok" } });
  api.document({
    ...ops,
    method: "GET",
    url: "/readyz",
    summary: "Readiness: the transport and every database in use answer.",
    success: { 200: "ready", 503: "not ready (Retry-After)" },
  });
  api.document({
    ...ops,
    method: "GET",
    url: "/metrics",
    summary: "Prometheus metrics.",
    success: { 200: "text format" },
    produces: "text/plain",
  });
  api.document({
    ...ops,
    method: "GET",
    url: "/openapi.json",
    summary: "This document.",
    success: { 200: "OpenAPI 3.1" },
  });
  api.document({
    ...ops,
    method: "GET",
    url: "/docs",
    summary: "A page to browse this document.",
    success: { 200: "HTML" },
    produces: "text/html",
  });
  if (devMode) {
    api.document({
      method: "GET",
      url: "/api/v1/dev/mailbox",
      tag: "development",
      access: "public",
      summary:
        "Mail caught by the embedded SMTP catcher (only while SMTP_URL is unset); ?to= filters by recipient.",
      success: { 200: "messages" },
      errors: ["VALIDATION_FAILED"],
    });
  }
}
