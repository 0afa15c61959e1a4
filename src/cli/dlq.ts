import { DLQ_HEADERS } from "../messaging/consumer.ts";
import type { Transport } from "../messaging/transport.ts";
import { isDlqTopic } from "../messaging/transport.ts";

export interface DeadLetterSummary {
  readonly topic: string;
  readonly count: number;
}

/** DLQ topics with how many messages each holds. */
export async function listDeadLetterTopics(transport: Transport): Promise<DeadLetterSummary[]> {
  const topics = (await transport.listTopics()).filter((t) => isDlqTopic(t.topic));
  const out: DeadLetterSummary[] = [];
  for (const { topic } of topics)
    out.push({ topic, count: (await transport.read(topic, { limit: 100_000 })).length });
  return out.sort((a, b) => a.topic.localeCompare(b.topic));
}

export async function describeDeadLetters(transport: Transport, topic: string): Promise<string[]> {
  return (await transport.read(topic, { limit: 10_000 })).map((d) => {
    const error = safeJson(d.headers[DLQ_HEADERS.error]);
    return [
      d.envelope.id,
      d.envelope.type,
      `key=${d.key}`,
      `consumer=${d.headers[DLQ_HEADERS.consumer] ?? "?"}`,
      `attempts=${d.headers[DLQ_HEADERS.attempts] ?? "?"}`,
      `error=${error?.code ?? "?"}: ${error?.message ?? ""}`,
      `at=${d.headers[DLQ_HEADERS.at] ?? "?"}`,
    ].join("  ");
  });
}

/**
 * Publishes dead letters back to the topic they came from, with their original id, so consumers
 * that had handled them skip them (inbox) and the one that failed tries again. A replay group
 * remembers how far it got: running it twice replays each message once.
 */
export async function replayDeadLetters(
  transport: Transport,
  topic: string,
  options: { only?: string; progress?: (done: number, total: number) => void; idleMs?: number } = {},
): Promise<number> {
  if (!isDlqTopic(topic)) throw new Error(`${topic} is not a dead-letter topic (it must end in .dlq)`);
  const origin = topic.slice(0, -".dlq".length);
  const total = (await transport.read(topic, { limit: 100_000 })).length;
  let done = 0;
  let lastSeen = Date.now();
  const subscription = await transport.subscribe({
    groupId: `ledgerline.dlq-replay.${topic}`,
    topics: [topic],
    fromBeginning: true,
    handler: async (d) => {
      lastSeen = Date.now();
      if (options.only && d.envelope.id !== options.only) return;
      await transport.publish([{ topic: origin, key: d.key, envelope: d.envelope }]);
      done++;
      options.progress?.(done, total);
    },
  });
  await subscription.ready;
  const idleMs = options.idleMs ?? 1_500;
  while (Date.now() - lastSeen < idleMs) await new Promise((r) => setTimeout(r, 100));
  await subscription.stop();
  return done;
}

function safeJson(text: string | undefined): { code?: string; message?: string } | undefined {
  try {
    return text ? (JSON.parse(text) as { code?: string; message?: string }) : undefined;
  } catch {
    return undefined;
  }
}
