import { describe, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { openPglite } from "../../src/db/pglite.ts";
import { KafkaTransport } from "../../src/messaging/kafka/kafka-transport.ts";
import type { Transport } from "../../src/messaging/transport.ts";
import {
  announceSkip,
  kafkaBrokers,
  MOCK_BROKER_FETCH_WAIT_MS,
  testLogger,
  unique,
} from "../support/index.ts";
import { describeTransport } from "./transport.ts";

// Kafka (KAFKA_BROKERS set: `npm run broker` starts librdkafka's mock cluster and prints it).
if (kafkaBrokers) {
  const brokers = kafkaBrokers.split(",");
  describeTransport("kafka", async () => {
    // The inbox and outbox live in the service database, here an in-memory PGlite.
    const db: Database = await openPglite();
    const open = async (): Promise<Transport> => {
      const t = new KafkaTransport({
        brokers,
        clientId: unique("conformance"),
        log: testLogger(),
        fetchWaitMs: MOCK_BROKER_FETCH_WAIT_MS,
      });
      await t.start();
      return t;
    };
    let transport = await open();
    return {
      get transport() {
        return transport;
      },
      db,
      reopen: async () => {
        await transport.stop();
        transport = await open();
        return transport;
      },
      close: async () => {
        await transport.stop();
        await db.close();
      },
    };
  });
} else {
  announceSkip("Kafka suites", "set KAFKA_BROKERS (npm run broker prints it) to run them.");
  describe.skip("Transport conformance: kafka (KAFKA_BROKERS not set)", () => it("skipped", () => {}));
}
