import helmet from "@fastify/helmet";
import Fastify from "fastify";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Platform } from "../runtime/platform.ts";
import { installErrorHandling } from "./error-handler.ts";
import { operationsRoutes } from "./routes/operations.ts";

export const BODY_LIMIT = 64 * 1024;

/**
 * The only HTTP entry point: JSON API, health and metrics. It owns no data; it turns requests
 * into commands over the platform's transport and answers from their replies.
 */
export async function buildGateway(platform: Platform): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: platform.log.child({ part: "gateway" }) as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    return503OnClosing: true,
  });
  installErrorHandling(app);
  await app.register(helmet);
  operationsRoutes(app, platform);
  return app;
}
