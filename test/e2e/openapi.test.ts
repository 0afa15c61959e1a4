import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "./stack.ts";
import { startStack } from "./stack.ts";

/** Fastify routes that are not API operations: the docs page's script and the web app's assets. */
const notOperations = (url: string) =>
  url === "/docs.js" || url.startsWith("/assets") || url === "/*" || url === "/";

describe("OpenAPI document", () => {
  let stack: Stack;
  const registered: { method: string; url: string }[] = [];

  beforeAll(async () => {
    stack = await startStack("embedded");
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("covers every route the gateway serves", async () => {
    const doc = (await (await fetch(`${stack.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
      ),
    );
    for (const route of stack.gateway.routes()) {
      if (route.method === "HEAD" || notOperations(route.url)) continue;
      registered.push(route);
      expect(documented, `${route.method} ${route.url}`).toContain(`${route.method} ${route.url}`);
    }
    expect(registered.length).toBeGreaterThan(30);
  });
});
