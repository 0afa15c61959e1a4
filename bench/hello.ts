/**
 * The yardsticks for GET /api/v1/me: a bare Fastify hello-world (same Fastify version, no
 * plugins, no logger) at /hello, and the same with the security headers the gateway sets on
 * every /api/ answer (src/gateway/security-headers.ts) at /api/hello; in a process of its own
 * like the platform, on 127.0.0.1.
 */
import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import { addSecurityHeaders } from "../src/gateway/security-headers.ts";
import { serveOperations } from "./lib/child.ts";

const app = Fastify({ logger: false });
app.get("/hello", async () => ({ hello: "world" }));
await app.register(async (secure) => {
  addSecurityHeaders(secure);
  secure.get("/api/hello", async () => ({ hello: "world" }));
});

serveOperations({
  memory: async () => process.memoryUsage(),
  stop: async () => {
    await app.close();
    setImmediate(() => process.exit(0));
    return true;
  },
});

await app.listen({ host: "127.0.0.1", port: 0 });
const { port } = app.server.address() as AddressInfo;
process.send?.({ type: "ready", url: `http://127.0.0.1:${port}`, startedMs: 0 });
