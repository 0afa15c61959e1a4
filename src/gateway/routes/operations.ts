import type { FastifyInstance } from "fastify";
import type { Platform } from "../../runtime/platform.ts";
import { readiness } from "../../runtime/readiness.ts";

/** Liveness, readiness (databases and transport reachable) and Prometheus metrics. */
export function operationsRoutes(app: FastifyInstance, platform: Platform): void {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    const { ready, checks } = await readiness(platform);
    if (!ready) void reply.status(503).header("Retry-After", "5");
    return { status: ready ? "ready" : "not_ready", checks };
  });

  app.get("/metrics", async (_request, reply) => {
    void reply.type(platform.metrics.registry.contentType);
    return platform.metrics.registry.metrics();
  });
}
