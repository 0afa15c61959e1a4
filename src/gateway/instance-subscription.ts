import { createConsumer } from "../messaging/consumer.ts";
import type { Envelope } from "../messaging/envelope.ts";
import type { Subscription } from "../messaging/transport.ts";
import type { Platform } from "../runtime/platform.ts";

/**
 * A subscription of this gateway instance alone (group `gateway.<instance id>.<part>`), from the
 * log's end: what every instance must see in full, for its caches and live streams. One try per
 * message, as a miss costs only this instance's cache entry or push.
 */
export async function subscribeInstance(
  platform: Platform,
  part: string,
  topics: readonly string[],
  signal: AbortSignal,
  handle: (envelope: Envelope) => Promise<void> | void,
): Promise<Subscription> {
  const { transport, log, metrics, instanceId } = platform;
  const name = `gateway.${instanceId}.${part}`;
  return transport.subscribe({
    groupId: name,
    topics,
    fromBeginning: false,
    handler: createConsumer({
      name,
      transport,
      log,
      metrics,
      retry: { maxAttempts: 1, baseDelayMs: 1 },
      signal,
      handle: async (envelope) => handle(envelope),
    }),
  });
}
