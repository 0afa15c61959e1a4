import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds the web app when stale, once, before the workers start.
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: suites that start services and brokers compete for them.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
