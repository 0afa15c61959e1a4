import type { FastifyInstance } from "fastify";
import type { Platform } from "../../runtime/platform.ts";

const READINESS_TIMEOUT_MS = 2_000;

async function check(name: string, probe: () => Promise<void>): Promise<[string, string]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), READINESS_TIMEOUT_MS);
      }),
    ]);
    return [name, "ok"];
  } catch (error) {
    return [name, error instanceof Error ? error.message.slice(0, 200) : "failed"];
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness, readiness (databases and transport reachable) and Prometheus metrics. */
export function operationsRoutes(app: FastifyInstance, platform: Platform): void {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    const databases = await platform.databasesInUse();
    const checks = Object.fromEntries(
      await Promise.all([
        check(`transport:${platform.transport.kind}`, () => platform.transport.ping()),
        ...[...new Set(databases)].map((db, i) =>
          check(`database:${db.kind}${i === 0 ? "" : `:${i}`}`, () => db.ping()),
        ),
      ]),
    );
    const ready = Object.values(checks).every((v) => v === "ok");
    if (!ready) void reply.status(503).header("Retry-After", "5");
    return { status: ready ? "ready" : "not_ready", checks };
  });

  app.get("/metrics", async (_request, reply) => {
    void reply.type(platform.metrics.registry.contentType);
    return platform.metrics.registry.metrics();
  });
}
