import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { envSchema, serviceNames } from "../../src/platform/config.ts";

const read = (name: string): string => readFileSync(new URL(`../../${name}`, import.meta.url), "utf8");

/**
 * The deployment files cannot be run here (no Docker engine); this keeps them in step with the
 * code: every service is deployed, and every variable they set is one the platform reads.
 * (`docker-compose config` validated the file's structure when it was written: docs/deploy.md.)
 */
describe("deployment files", () => {
  const compose = read("docker-compose.yml");

  it("runs every service as its own container, with its own database role", () => {
    for (const service of serviceNames) {
      expect(compose, service).toMatch(new RegExp(`command: \\["start", "--service", "${service}"\\]`));
      expect(compose, service).toContain(
        `DATABASE_URL_${service.toUpperCase()}: postgres://ledgerline_${service}:`,
      );
    }
    expect(compose).toContain("KAFKA_PROCESS_ROLES: broker,controller");
    expect(compose).toContain("KAFKA_DEFAULT_REPLICATION_FACTOR: 3");
    expect(compose.match(/KAFKA_NODE_ID: \d/g)).toHaveLength(3);
    expect(compose).toContain("axllent/mailpit");
  });

  it("sets only variables the platform knows", () => {
    const known = new Set([
      ...Object.keys(envSchema.shape),
      ...serviceNames.map((s) => `DATABASE_URL_${s.toUpperCase()}`),
    ]);
    const ledgerlineBlocks = compose
      .split(/\n(?=x-| {2}[a-z0-9-]+:\n)/)
      .filter((block) => /x-ledgerline-env|x-database-urls|--service"/.test(block));
    const names = new Set(
      ledgerlineBlocks.flatMap((block) =>
        [...block.matchAll(/^ {2,6}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!),
      ),
    );
    expect(names.size).toBeGreaterThan(10);
    expect([...names].filter((n) => !known.has(n))).toEqual([]);
  });

  it("builds a non-root, multi-stage image that runs the CLI", () => {
    const dockerfile = read("Dockerfile");
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "bin/ledgerline.js"]');
    expect(dockerfile).toContain("npm prune --omit=dev");
  });
});
