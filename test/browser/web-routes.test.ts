import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installErrorHandling } from "../../src/gateway/error-handler.ts";
import { webRoutes } from "../../src/gateway/routes/web.ts";

const HTML = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

async function appServing(root: string): Promise<FastifyInstance> {
  const app = Fastify();
  installErrorHandling(app);
  app.get("/api/v1/me", async () => ({ id: "me" }));
  app.get("/healthz", async () => ({ status: "ok" }));
  await webRoutes(app, { root });
  await app.ready();
  return app;
}

describe("web routes (the built app served by the gateway)", () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ledgerline-web-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>app</title>");
    writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log(1)");
    writeFileSync(join(dir, "favicon.svg"), "<svg/>");
    app = await appServing(dir);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(["/", "/dashboard", "/activate?token=abc", "/invoices/new", "/some/unknown/page"])(
    "answers index.html for the page %s",
    async (url) => {
      const page = await app.inject({ url, headers: HTML });
      expect(page.statusCode).toBe(200);
      expect(page.headers["content-type"]).toMatch(/^text\/html/);
      expect(page.headers["cache-control"]).toBe("no-cache");
      expect(page.body).toContain("<title>app</title>");
    },
  );

  it("serves hashed assets with immutable caching, other files briefly", async () => {
    const asset = await app.inject({ url: "/assets/index-abc123.js" });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["content-type"]).toMatch(/javascript/);
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const icon = await app.inject({ url: "/favicon.svg" });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers["cache-control"]).toBe("public, max-age=3600");
  });

  it("keeps the server's own paths and missing files on the JSON 404", async () => {
    for (const url of [
      "/api/v1/nothing",
      "/api",
      "/healthz/x",
      "/metrics/x",
      "/docs/x",
      "/assets/gone.js",
      "/gone.png",
    ]) {
      const answer = await app.inject({ url, headers: HTML });
      expect(answer.statusCode, url).toBe(404);
      expect(answer.json(), url).toEqual({ error: { code: "NOT_FOUND", message: expect.any(String) } });
    }
    expect((await app.inject({ url: "/api/v1/me", headers: HTML })).json()).toEqual({ id: "me" });
    expect((await app.inject({ url: "/healthz", headers: HTML })).json()).toEqual({ status: "ok" });
  });

  it("answers a page request that does not accept HTML with the JSON 404", async () => {
    const answer = await app.inject({ url: "/dashboard", headers: { accept: "application/json" } });
    expect(answer.statusCode).toBe(404);
    expect(answer.json().error.code).toBe("NOT_FOUND");
  });

  it("refuses paths that climb out of the root", async () => {
    for (const url of [
      "/../package.json",
      "/assets/..%2f..%2fpackage.json",
      "/%2e%2e/%2e%2e/etc/passwd.txt",
    ]) {
      const answer = await app.inject({ url, headers: HTML });
      expect(answer.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(answer.body, url).not.toContain('"name"');
    }
  });

  it("without a build, answers pages with a 503 that says how to build, and still serves the API", async () => {
    const bare = await appServing(join(dir, "missing"));
    try {
      const page = await bare.inject({ url: "/dashboard", headers: HTML });
      expect(page.statusCode).toBe(503);
      expect(page.headers["content-type"]).toMatch(/^text\/html/);
      expect(page.body).toContain("npm run build:web");
      expect((await bare.inject({ url: "/api/v1/nothing", headers: HTML })).statusCode).toBe(404);
      expect((await bare.inject({ url: "/api/v1/me" })).json()).toEqual({ id: "me" });
    } finally {
      await bare.close();
    }
  });
});
