import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import Fastify from "fastify";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Platform } from "../runtime/platform.ts";
import { Api } from "./api.ts";
import type { GatewayContext } from "./context.ts";
import { installErrorHandling } from "./error-handler.ts";
import { RateLimiter } from "./rate-limit.ts";
import { accountRoutes } from "./routes/accounts.ts";
import { adminRoutes } from "./routes/admin.ts";
import { devMailboxRoutes } from "./routes/dev-mailbox.ts";
import { docsRoutes } from "./routes/docs.ts";
import { operationsRoutes } from "./routes/operations.ts";
import { SessionResolver } from "./sessions.ts";

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
    disableRequestLogging: true,
    bodyLimit: BODY_LIMIT,
    trustProxy: trustProxy(config.TRUST_PROXY),
    return503OnClosing: true,
    genReqId: () => crypto.randomUUID(),
  });
  installErrorHandling(app);
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
  if (!config.SMTP_URL) devMailboxRoutes(app, { requester });
  docsRoutes(context);

  return {
    app,
    context,
    start: () => sessions.start(),
    stop: async () => {
      await app.close();
      await sessions.stop();
      for (const limiter of Object.values(limits)) limiter.stop();
    },
  };
}
