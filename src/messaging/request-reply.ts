import { z } from "zod";
import type { Contract } from "./contracts.ts";
import { checkPayload, defineContract } from "./contracts.ts";
import type { Envelope } from "./envelope.ts";
import { causedBy, createEnvelope } from "./envelope.ts";
import type { Logger } from "../platform/logger.ts";
import { currentCorrelationId } from "../platform/telemetry.ts";
import type { Metrics } from "../platform/metrics.ts";
import type { SerializedError } from "../platform/errors.ts";
import { AppError, fromSerialized, platformErrors, serializeError } from "../platform/errors.ts";
import type { Subscription, Transport } from "./transport.ts";
import { createConsumer } from "./consumer.ts";

/** A command answered over the log: its request contract and the contract of its reply. */
export interface CommandContract<Req extends z.ZodType, Res extends z.ZodType> {
  readonly request: Contract<Req>;
  readonly reply: Contract<z.ZodType<ReplyPayload<z.infer<Res>>>>;
  readonly result: Res;
}

export type ReplyPayload<R> = { ok: true; result: R } | { ok: false; error: SerializedError };

const serializedErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  status: z.number().int(),
  canRetry: z.boolean(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

export function defineCommand<Req extends z.ZodType, Res extends z.ZodType>(spec: {
  type: string;
  version?: number;
  request: Req;
  result: Res;
  description: string;
}): CommandContract<Req, Res> {
  const request = defineContract({
    type: spec.type,
    ...(spec.version ? { version: spec.version } : {}),
    kind: "command",
    schema: spec.request,
    description: spec.description,
  });
  const reply = defineContract({
    type: `${spec.type}.reply`,
    ...(spec.version ? { version: spec.version } : {}),
    kind: "reply",
    topic: "_replies",
    schema: z.union([
      z.object({ ok: z.literal(true), result: spec.result }),
      z.object({ ok: z.literal(false), error: serializedErrorSchema }),
    ]) as unknown as z.ZodType<ReplyPayload<z.infer<Res>>>,
    description: `Reply to ${spec.type}`,
  });
  return { request, reply, result: spec.result };
}

/** The reply topic of one requester instance: replies never cross instances or rebalances. */
export const replyTopicFor = (instanceId: string): string => `_replies.${instanceId}`;

interface Pending {
  readonly type: string;
  resolve(result: unknown): void;
  reject(error: unknown): void;
  readonly timer: NodeJS.Timeout;
  readonly stopTimer: (labels: { outcome: string }) => void;
}

/**
 * Sends commands and waits for their replies. Each instance reads its own reply topic in a
 * group of its own, so a rebalance elsewhere never moves its replies. A reply that comes after
 * the timeout finds no pending request: it is dropped and counted.
 */
export class Requester {
  private readonly pending = new Map<string, Pending>();
  private subscription: Subscription | undefined;
  private readonly abort = new AbortController();
  readonly replyTopic: string;

  constructor(
    private readonly options: {
      transport: Transport;
      instanceId: string;
      log: Logger;
      metrics: Metrics;
      defaultTimeoutMs: number;
      /** Names the sender in envelopes (default "gateway"). */
      source?: string;
    },
  ) {
    this.replyTopic = replyTopicFor(options.instanceId);
  }

  async start(): Promise<void> {
    const { transport, log, metrics } = this.options;
    await transport.ensureTopics([this.replyTopic]);
    this.subscription = await transport.subscribe({
      groupId: this.replyTopic,
      topics: [this.replyTopic],
      fromBeginning: false,
      handler: createConsumer({
        name: this.replyTopic,
        transport,
        log,
        metrics,
        retry: { maxAttempts: 1, baseDelayMs: 1 },
        signal: this.abort.signal,
        handle: async (envelope) => this.onReply(envelope as Envelope<ReplyPayload<unknown>>),
      }),
    });
    await this.subscription.ready;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.subscription?.stop();
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(platformErrors.UNAVAILABLE({ message: "The gateway is stopping." }));
      this.pending.delete(id);
    }
  }

  /** Sends `command` keyed by `key`; resolves with the reply's result or rejects with its error. */
  async request<Req extends z.ZodType, Res extends z.ZodType>(
    command: CommandContract<Req, Res>,
    key: string,
    payload: z.infer<Req>,
    options: { timeoutMs?: number; correlationId?: string; traceparent?: string } = {},
  ): Promise<z.infer<Res>> {
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs;
    const correlationId = options.correlationId ?? currentCorrelationId();
    const envelope = createEnvelope({
      type: command.request.type,
      version: command.request.version,
      key,
      payload,
      replyTo: this.replyTopic,
      deadline: new Date(Date.now() + timeoutMs),
      ...(correlationId ? { correlationId } : {}),
      ...(options.traceparent ? { traceparent: options.traceparent } : {}),
      source: this.options.source ?? "gateway",
    });
    // A request that breaks its own contract would be dead-lettered by its handler and never
    // answered: the caller would wait out the timeout for a bug. The handler's own check refuses
    // it here, unsent.
    checkPayload(envelope);
    const type = command.request.type;
    const result = new Promise<z.infer<Res>>((resolve, reject) => {
      const stopTimer = this.options.metrics.requestSeconds.startTimer({ type });
      const timer = setTimeout(() => {
        this.pending.delete(envelope.id);
        stopTimer({ outcome: "timeout" });
        this.options.metrics.requestTimeouts.inc({ type });
        reject(platformErrors.UPSTREAM_TIMEOUT());
      }, timeoutMs);
      this.pending.set(envelope.id, { type, resolve, reject, timer, stopTimer });
    });
    // The answer never waits longer than the timeout, however long the log takes to take the
    // request: a publish that fails first is 503 (not sent), a timeout first is 504 (unknown; the
    // request's deadline makes a handler skip it if it arrives late).
    this.options.transport
      .publish([{ topic: command.request.topic, key, envelope }])
      .catch((error: unknown) => {
        const pending = this.pending.get(envelope.id);
        if (!pending) return;
        clearTimeout(pending.timer);
        this.pending.delete(envelope.id);
        pending.stopTimer({ outcome: "unavailable" });
        this.options.log.warn({ err: error, type }, "request could not be published");
        pending.reject(platformErrors.UNAVAILABLE({ headers: { "Retry-After": "1" }, cause: error }));
      });
    return result;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private onReply(envelope: Envelope<ReplyPayload<unknown>>): void {
    const requestId = envelope.causationId;
    const pending = requestId ? this.pending.get(requestId) : undefined;
    if (!requestId || !pending) {
      this.options.metrics.lateReplies.inc({ type: envelope.type.replace(/\.reply$/, "") });
      this.options.log.debug({ requestId }, "late reply dropped");
      return;
    }
    this.pending.delete(requestId);
    clearTimeout(pending.timer);
    if (envelope.payload.ok) {
      pending.stopTimer({ outcome: "ok" });
      pending.resolve(envelope.payload.result);
    } else {
      pending.stopTimer({ outcome: "error" });
      pending.reject(fromSerialized(envelope.payload.error));
    }
  }
}

/** Builds the reply message for a request: to its replyTo topic, caused by it. */
export function replyTo<R>(
  command: CommandContract<z.ZodType, z.ZodType<R>>,
  request: Envelope,
  outcome: { result: R } | { error: unknown },
): { topic: string; key: string; envelope: Envelope<ReplyPayload<R>> } | undefined {
  if (!request.replyTo) return undefined;
  const payload: ReplyPayload<R> =
    "result" in outcome
      ? { ok: true, result: outcome.result }
      : { ok: false, error: publicError(outcome.error) };
  return {
    topic: request.replyTo,
    key: request.key,
    envelope: createEnvelope({
      type: command.reply.type,
      version: command.reply.version,
      key: request.key,
      payload,
      ...causedBy(request),
    }),
  };
}

/** Errors a client may see; anything unexpected becomes INTERNAL without its message. */
function publicError(error: unknown): SerializedError {
  if (error instanceof AppError) return serializeError(error);
  return serializeError(platformErrors.INTERNAL());
}

/** Whether a request's deadline has passed: its requester gave up, so doing the work is waste. */
export function deadlinePassed(envelope: Envelope, now = Date.now()): boolean {
  return envelope.deadline !== undefined && Date.parse(envelope.deadline) < now;
}
