import { describeScoring } from "../scoring/flow.ts";
import { describeInvoicing } from "./flow.ts";
import { startFlowHarness } from "./harness.ts";

// The embedded log, on a PGlite on disk (so a restart is real).
describeInvoicing("embedded log", () => startFlowHarness(), 30_000);
describeScoring("embedded log", () => startFlowHarness(), 30_000);
