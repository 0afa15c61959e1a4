import { allContracts } from "../messaging/contracts.ts";
import type { Subscription } from "../messaging/transport.ts";
import type { Platform } from "../runtime/platform.ts";

export interface FlowMessage {
  readonly id: string;
  readonly type: string;
  readonly topic: string;
  readonly source: string | null;
  readonly key: string;
  readonly occurredAt: string;
  readonly causationId: string | null;
}

const KEEP_MS = 15 * 60_000;
export const KEEP_MAX = 5_000;
/**
 * The oldest are dropped this many at a time: dropping one per message moved all 5,000 entries
 * on every message (about 1 % of the main thread under invoice load).
 */
const TRIM_STEP = 1_000;

/**
 * Development aid behind the Event flow page: this gateway instance reads every contract's
 * topic (and the dead-letter topics) in a group of its own and keeps the last minutes in memory,
 * so a person can see what one click set off, service by service. Payloads are not kept.
 */
export class FlowRecorder {
  private readonly messages: (FlowMessage & { correlationId: string; at: number })[] = [];
  private subscription: Subscription | undefined;

  constructor(private readonly platform: Platform) {}

  async start(): Promise<void> {
    const topics = [
      ...new Set(
        allContracts()
          .filter((c) => c.kind !== "reply")
          .map((c) => c.topic),
      ),
    ];
    this.subscription = await this.platform.transport.subscribe({
      groupId: `gateway.${this.platform.instanceId}.flow`,
      topics: [...topics, ...topics.map((t) => `${t}.dlq`)],
      fromBeginning: false,
      handler: async ({ envelope, topic }) => {
        this.messages.push({
          id: envelope.id,
          type: envelope.type,
          topic,
          source: envelope.source ?? null,
          key: envelope.key,
          occurredAt: envelope.occurredAt,
          causationId: envelope.causationId ?? null,
          correlationId: envelope.correlationId,
          at: Date.now(),
        });
        if (this.messages.length >= KEEP_MAX + TRIM_STEP)
          this.messages.splice(0, this.messages.length - KEEP_MAX);
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }

  /** Flows of the last `minutes`, newest first, each message in the order it happened. */
  flows(minutes: number): { correlationId: string; startedAt: string; messages: FlowMessage[] }[] {
    const since = Date.now() - Math.min(minutes * 60_000, KEEP_MS);
    const byCorrelation = new Map<string, FlowMessage[]>();
    for (let i = Math.max(0, this.messages.length - KEEP_MAX); i < this.messages.length; i++) {
      const { correlationId, at, ...message } = this.messages[i]!;
      if (at < since) continue;
      let list = byCorrelation.get(correlationId);
      if (!list) byCorrelation.set(correlationId, (list = []));
      list.push(message);
    }
    return [...byCorrelation]
      .map(([correlationId, messages]) => {
        messages.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.id.localeCompare(b.id));
        return { correlationId, startedAt: messages[0]?.occurredAt ?? "", messages };
      })
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }
}
