import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Platform } from "./platform.ts";
import { readiness } from "./readiness.ts";

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * /healthz, /readyz and /metrics of a process that has no gateway (a service on its own), on
 * HOST:OPS_PORT, answered like the gateway's: liveness, readiness of the transport and the
 * databases (503 with Retry-After when not ready), Prometheus text.
 */
export async function startOpsServer(platform: Platform, host: string, port: number): Promise<OpsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      response.end(JSON.stringify(body));
    };
    if (request.method !== "GET") return json(405, { error: { code: "METHOD_NOT_ALLOWED" } });
    if (path === "/healthz") return json(200, { status: "ok" });
    if (path === "/readyz") {
      readiness(platform).then(
        ({ ready, checks }) =>
          json(
            ready ? 200 : 503,
            { status: ready ? "ready" : "not_ready", checks },
            ready ? {} : { "retry-after": "5" },
          ),
        () => json(503, { status: "not_ready" }, { "retry-after": "5" }),
      );
      return;
    }
    if (path === "/metrics") {
      platform.metrics.registry.metrics().then(
        (text) => {
          response.writeHead(200, { "content-type": platform.metrics.registry.contentType });
          response.end(text);
        },
        () => json(500, { error: { code: "INTERNAL" } }),
      );
      return;
    }
    json(404, { error: { code: "NOT_FOUND" } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
