import { z } from "zod";
import { defineContract } from "../../src/messaging/contracts.ts";
import { createEnvelope } from "../../src/messaging/envelope.ts";
import type { OutgoingMessage } from "../../src/messaging/transport.ts";

/** A test event carrying only a number, for suites that follow messages through the log. */
export const numbered = defineContract({
  type: "test.numbered",
  kind: "event",
  schema: z.object({ n: z.number().int() }),
  description: "test message carrying a number",
});

/** Message number `n` on `topic`, all under one key (so in one partition, in order). */
export const numberedMessage = (topic: string, n: number): OutgoingMessage => ({
  topic,
  key: "k",
  envelope: createEnvelope({ type: numbered.type, key: "k", payload: { n }, source: "test" }),
});

/** The numbers of messages, in their order. */
export const numbersOf = (messages: readonly { envelope: { payload: unknown } }[]): number[] =>
  messages.map((m) => (m.envelope.payload as { n: number }).n);
