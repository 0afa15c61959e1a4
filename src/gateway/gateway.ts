import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import Fastify, { LogController } from "fastify";
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from "fastify";
import type { Platform } from "../runtime/platform.ts";
import { Api } from "./api.ts";
import type { GatewayContext } from "./context.ts";
import { installErrorHandling } from "./error-handler.ts";
import { RateLimiter } from "./rate-limit.ts";
import { accountRoutes } from "./routes/accounts.ts";
import { adminRoutes } from "./routes/admin.ts";
import { devMailboxRoutes } from "./routes/dev-mailbox.ts";
import { docsRoutes } from "./routes/docs.ts";
import { invoiceRoutes } from "./routes/invoices.ts";
import { scoreRoutes } from "./routes/score.ts";
import { operationsRoutes } from "./routes/operations.ts";
import { SessionResolver } from "./sessions.ts";
import { FlowRecorder } from "./flow-recorder.ts";
import { LiveEvents } from "./live-events.ts";
import { liveRoutes } from "./routes/live.ts";
import { withCorrelation } from "../platform/logger.ts";

export const BODY_LIMIT = 64 * 1024;
const HOUR = 3_600_000;

export interface Gateway {
  readonly app: FastifyInstance;
  readonly context: GatewayContext;
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
  });
  installErrorHandling(app);
  // Every command a request sends carries the request's id as its correlation id.
  app.addHook("onRequest", (request, _reply, done) => withCorrelation(request.id, done));
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
  });
  await app.register(cookie);

  const sessions = new SessionResolver(platform, requester, platform.sealer);
  const limits = {
    loginFailuresPerIp: new RateLimiter(config.LOGIN_FAILURES_PER_IP_PER_HOUR, HOUR),
    requestsPerIp: new RateLimiter(config.REQUESTS_PER_IP_PER_HOUR, HOUR),
    requestsPerEmail: new RateLimiter(config.REQUESTS_PER_EMAIL_PER_HOUR, HOUR),
  };
  const context: GatewayContext = { api: new Api(app), platform, requester, sessions, limits };

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

  return {
    app,
    context,
    start: async () => {
      await Promise.all([sessions.start(), live.start(), flow?.start()]);
    },
    stop: async () => {
      await live.stop();
      await app.close();
      await sessions.stop();
      await flow?.stop();
      for (const limiter of Object.values(limits)) limiter.stop();
    },
  };
}
