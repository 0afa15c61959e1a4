import { describe, it } from "vitest";
import { announceSkip, kafkaBrokers } from "../../support/index.ts";
import { describeScoring } from "../scoring/flow.ts";
import { describeInvoicing } from "./flow.ts";
import { startFlowHarness } from "./harness.ts";

// Kafka (KAFKA_BROKERS set: `npm run broker` starts librdkafka's mock cluster and prints it). Both
// suites live in this one file so they never run at once: their consumer groups have fixed names.
if (kafkaBrokers) {
  const brokers = kafkaBrokers;
  describeInvoicing("kafka", () => startFlowHarness({ kafkaBrokers: brokers }), 120_000);
  describeScoring("kafka", () => startFlowHarness({ kafkaBrokers: brokers }), 120_000);
} else {
  announceSkip("Kafka suites", "set KAFKA_BROKERS (npm run broker prints it) to run them.");
  describe.skip("invoicing and scoring on Kafka (KAFKA_BROKERS not set)", () => it("skipped", () => {}));
}
