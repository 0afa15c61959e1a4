import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import "../../src/services/index.ts";
import "../../src/gateway/gateway.ts";
import { envSchema } from "../../src/platform/config.ts";
import { errorCatalog } from "../../src/platform/errors.ts";

const doc = (name: string): string => readFileSync(new URL(`../../docs/${name}`, import.meta.url), "utf8");

describe("catalogs in docs/ match the code", () => {
  it("docs/errors.md lists every error code with its HTTP status, and no other", () => {
    const rows = [
      ...doc("errors.md").matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|\s*(yes|no)\s*\|/gm),
    ].map((m) => ({
      code: m[1]!,
      status: Number(m[2]),
      retry: m[3] === "yes",
    }));
    const documented = new Map(rows.map((r) => [r.code, r]));
    expect([...documented.keys()].sort()).toEqual([...errorCatalog.keys()].sort());
    for (const [code, spec] of errorCatalog) {
      expect(documented.get(code), code).toEqual({
        code,
        status: spec.status,
        retry: spec.canRetry ?? false,
      });
    }
  });

  it("docs/errors.md lists every refusal at start (a RefusedError's code), and no other", () => {
    const section = doc("errors.md").split("## Refusals at start")[1] ?? "";
    const documented = [...section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1]!);
    const src = new URL("../../src/", import.meta.url);
    const inCode = (readdirSync(src, { recursive: true }) as string[])
      .filter((file) => file.endsWith(".ts"))
      .flatMap((file) => {
        const text = readFileSync(new URL(file, src), "utf8");
        // A class that extends RefusedError or InUseError passes its code to super() first.
        return [...text.matchAll(/extends (?:RefusedError|InUseError) \{[\s\S]*?super\(\s*"([A-Z_]+)"/g)].map(
          (m) => m[1]!,
        );
      });
    expect(inCode.length).toBeGreaterThan(0);
    expect([...documented].sort()).toEqual([...new Set(inCode)].sort());
  });

  it("docs/configuration.md lists every environment variable, and no other", () => {
    const documented = new Set(
      [...doc("configuration.md").matchAll(/^\|\s*`([A-Z0-9_<>]+)`\s*\|/gm)].map((m) => m[1]!),
    );
    const inCode = new Set([...Object.keys(envSchema.shape), "DATABASE_URL_<SERVICE>"]);
    expect([...documented].sort()).toEqual([...inCode].sort());
  });
});
