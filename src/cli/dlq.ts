import { DLQ_HEADERS } from "../messaging/consumer.ts";
import type { Transport } from "../messaging/transport.ts";
import { isDlqTopic } from "../messaging/transport.ts";
import { RefusedError } from "../platform/in-use.ts";

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

/** A dead-letter topic the log does not hold, or a message id its topic does not hold. */
export class DeadLetterNotFoundError extends RefusedError {
  constructor(message: string) {
    super("DLQ_NOT_FOUND", message);
  }
}

/**
 * Refuses a topic the log has never held, rather than calling it empty (or, for a replay,
 * creating it): a misspelt name says so.
 */
async function ensureHeld(transport: Transport, topic: string): Promise<void> {
  if ((await transport.listTopics()).some((t) => t.topic === topic)) return;
  throw new DeadLetterNotFoundError(
    `--topic: the log holds no topic ${topic} (\`ledgerline dlq list\` lists the dead-letter topics)`,
  );
}

export async function describeDeadLetters(transport: Transport, topic: string): Promise<string[]> {
  await ensureHeld(transport, topic);
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
 *
 * With `only` (one message id) it publishes that message alone and leaves the group where it
 * was, so a later replay of the whole topic still replays the others.
 */
export async function replayDeadLetters(
  transport: Transport,
  topic: string,
  options: { only?: string; progress?: (done: number, total: number) => void; idleMs?: number } = {},
): Promise<number> {
  if (!isDlqTopic(topic)) throw new Error(`${topic} is not a dead-letter topic (it must end in .dlq)`);
  await ensureHeld(transport, topic);
  const origin = topic.slice(0, -".dlq".length);
  if (options.only !== undefined) return replayOne(transport, topic, origin, options.only);
  const total = (await transport.read(topic, { limit: 100_000 })).length;
  let done = 0;
  let lastSeen = Date.now();
  const subscription = await transport.subscribe({
    groupId: `ledgerline.dlq-replay.${topic}`,
    topics: [topic],
    fromBeginning: true,
    handler: async (d) => {
      lastSeen = Date.now();
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

async function replayOne(transport: Transport, topic: string, origin: string, id: string): Promise<number> {
  const dead = (await transport.read(topic, { limit: 100_000 })).find((d) => d.envelope.id === id);
  if (!dead) throw new DeadLetterNotFoundError(`--id: ${topic} holds no message ${id}`);
  await transport.publish([{ topic: origin, key: dead.key, envelope: dead.envelope }]);
  return 1;
}

function safeJson(text: string | undefined): { code?: string; message?: string } | undefined {
  try {
    return text ? (JSON.parse(text) as { code?: string; message?: string }) : undefined;
  } catch {
    return undefined;
  }
}
