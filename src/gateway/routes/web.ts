import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Where `npm run build:web` puts the app. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL("../../../web/dist", import.meta.url));

/** Paths that belong to the server, never to the web app: their unknown routes stay the JSON 404. */
const SERVER_PATHS = ["/api", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"];

function isServerPath(path: string): boolean {
  return SERVER_PATHS.some((p) => path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}.`));
}

function acceptsHtml(request: FastifyRequest): boolean {
  return String(request.headers.accept ?? "").includes("text/html");
}

/** A file request: the last segment has an extension (app routes never do). */
function isFilePath(path: string): boolean {
  return /\.[A-Za-z0-9]+$/.test(path.slice(path.lastIndexOf("/") + 1));
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Ledgerline: web app not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2933}
code{background:#f0f4f8;padding:.1rem .35rem;border-radius:4px}</style></head>
<body><h1>The web app is not built yet</h1>
<p>Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it when needed), then reload this page.</p>
<p>The API is up: see <a href="/docs">/docs</a>.</p></body></html>`;

/**
 * Serves the React app built into `root` (default web/dist): hashed files under /assets/ with
 * immutable caching, other files (favicon) briefly cached, and index.html for every client-side
 * route (a GET that accepts text/html outside the server's own paths). Unknown server paths and
 * missing files go to the gateway's not-found handler (the JSON 404). With no build, pages answer
 * 503 with a hint instead of failing the start.
 */
export async function webRoutes(app: FastifyInstance, options: { root?: string } = {}): Promise<void> {
  const root = options.root ?? DEFAULT_WEB_ROOT;
  const index = join(root, "index.html");

  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false, suppressWarning: true });

    const page = (_request: FastifyRequest, reply: FastifyReply) => {
      if (!existsSync(index)) {
        return reply
          .status(503)
          .header("Cache-Control", "no-store")
          .header("Retry-After", "10")
          .type("text/html; charset=utf-8")
          .send(NOT_BUILT);
      }
      // Always revalidated: a new build must reach the browser on the next visit.
      return reply.header("Cache-Control", "no-cache").sendFile("index.html", root, { cacheControl: false });
    };

    scope.get("/", async (request, reply) => page(request, reply));
    scope.get("/*", async (request, reply) => {
      const path = request.url.split("?", 1)[0] ?? "/";
      if (isServerPath(path)) return reply.callNotFound();
      if (isFilePath(path)) {
        if (path.startsWith("/assets/")) {
          return reply.sendFile(path.slice(1), root, { immutable: true, maxAge: "365d" });
        }
        return reply.sendFile(path.slice(1), root, { maxAge: "1h" });
      }
      if (!acceptsHtml(request)) return reply.callNotFound();
      return page(request, reply);
    });
  });
}
