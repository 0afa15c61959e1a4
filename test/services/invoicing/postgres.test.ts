import { describe, it } from "vitest";
import { announceSkip, postgresUrl } from "../../support/index.ts";
import { describeScoring } from "../scoring/flow.ts";
import { describeInvoicing } from "./flow.ts";
import { startFlowHarness } from "./harness.ts";

// The same suites with every schema (and the embedded log) on PostgreSQL (DATABASE_URL set).
if (postgresUrl) {
  const url = postgresUrl;
  describeInvoicing("embedded log on PostgreSQL", () => startFlowHarness({ postgresUrl: url }), 30_000);
  describeScoring("embedded log on PostgreSQL", () => startFlowHarness({ postgresUrl: url }), 30_000);
} else {
  announceSkip(
    "PostgreSQL suites",
    "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres to run them",
  );
  describe.skip("invoicing and scoring on PostgreSQL (DATABASE_URL not set)", () => it("skipped", () => {}));
}
