import { isDatabaseUnavailable } from "../db/database.ts";
import { sleep } from "../platform/clock.ts";
import { AppError, canRetry, serializeError } from "../platform/errors.ts";
import type { Logger } from "../platform/logger.ts";
import type { Metrics } from "../platform/metrics.ts";
import { startSpan, withSpan } from "../platform/telemetry.ts";
import { checkPayload } from "./contracts.ts";
import type { Envelope } from "./envelope.ts";
import type { Delivery, DeliveryHandler, Transport } from "./transport.ts";
import { dlqTopic } from "./transport.ts";

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly maxAttempts: number;
  /** Delay before the second try; doubles each time, capped at 30 s. */
  readonly baseDelayMs: number;
}

export interface ConsumerOptions {
  /** Names the consumer in logs, metrics, the inbox and dead letters (usually the group id). */
  readonly name: string;
  readonly transport: Transport;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly retry: RetryPolicy;
  /** Aborted when the consumer stops: a retry wait ends and the message is left uncommitted. */
  readonly signal: AbortSignal;
  readonly handle: (envelope: Envelope, delivery: Delivery) => Promise<void>;
}

/** Thrown out of a delivery handler when the consumer stops mid-retry: the offset stays uncommitted. */
export class ConsumerStopped extends Error {
  constructor() {
    super("consumer stopped");
    this.name = "ConsumerStopped";
  }
}

export const DLQ_HEADERS = {
  error: "dlq-error",
  consumer: "dlq-consumer",
  attempts: "dlq-attempts",
  origin: "dlq-origin",
  at: "dlq-at",
} as const;

/**
 * Wraps a message handler with what every consumer needs: the payload checked against its
 * contract, retries with exponential backoff for errors that say canRetry, and — for others,
 * or when the tries run out — the message parked on `<topic>.dlq` with its error, so the
 * partition moves on. A poison message never blocks the messages behind it.
 */
export function createConsumer(options: ConsumerOptions): DeliveryHandler {
  const { name, log, metrics, retry, signal } = options;

  async function attempts(envelope: Envelope, delivery: Delivery): Promise<void> {
    const type = envelope.type;
    for (let attempt = 1; ; attempt++) {
      const stopTimer = metrics.handlerSeconds.startTimer({ consumer: name, type });
      try {
        await options.handle(envelope, delivery);
        stopTimer();
        metrics.handled.inc({ consumer: name, type, outcome: "ok" });
        return;
      } catch (error) {
        stopTimer();
        if (error instanceof ConsumerStopped) throw error;
        if (isDatabaseUnavailable(error)) {
          // Not the message's fault: it waits, uncommitted, for the database without using up
          // its tries. The transport delivers it again with backoff (heartbeating on Kafka).
          metrics.handled.inc({ consumer: name, type, outcome: "unavailable" });
          log.warn({ err: error, consumer: name, type }, "database unavailable; the message waits");
          throw error;
        }
        if (!canRetry(error) || attempt >= retry.maxAttempts) {
          await deadLetter(options, delivery, error, attempt);
          return;
        }
        metrics.handled.inc({ consumer: name, type, outcome: "retried" });
        const delay = Math.min(retry.baseDelayMs * 2 ** (attempt - 1), 30_000);
        log.warn({ err: error, consumer: name, type, attempt, delay }, "handler failed; retrying");
        await sleep(delay, signal);
        if (signal.aborted) throw new ConsumerStopped();
      }
    }
  }

  return async (delivery) => {
    const type = delivery.envelope?.type ?? "unknown";
    let envelope: Envelope;
    try {
      envelope = checkPayload(delivery.envelope);
    } catch (error) {
      await deadLetter(options, delivery, error, 1);
      return;
    }
    // One span per delivery, a child of the span that sent the message: the trace goes on.
    const span = startSpan(`${name} ${type}`, {
      parent: envelope.traceparent,
      kind: "consumer",
      attributes: { "messaging.destination.name": delivery.topic, "messaging.message.id": envelope.id },
    });
    let failure: unknown;
    try {
      await withSpan(span, () => attempts(envelope, delivery), envelope.correlationId);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      span.end(failure === undefined ? undefined : { error: failure });
    }
  };
}

async function deadLetter(
  options: ConsumerOptions,
  delivery: Delivery,
  error: unknown,
  attempts: number,
): Promise<void> {
  const serialized = serializeError(error);
  options.log.error(
    {
      err: error instanceof AppError ? serialized : error,
      consumer: options.name,
      topic: delivery.topic,
      attempts,
    },
    "message dead-lettered",
  );
  options.metrics.deadLetters.inc({ topic: delivery.topic, code: serialized.code });
  options.metrics.handled.inc({
    consumer: options.name,
    type: delivery.envelope?.type ?? "unknown",
    outcome: "dead_lettered",
  });
  // If this publish fails, the handler rejects and the message is delivered again: never lost.
  await options.transport.publish([
    {
      topic: dlqTopic(delivery.topic),
      key: delivery.key,
      envelope: delivery.envelope,
      headers: {
        [DLQ_HEADERS.error]: JSON.stringify(serialized),
        [DLQ_HEADERS.consumer]: options.name,
        [DLQ_HEADERS.attempts]: String(attempts),
        [DLQ_HEADERS.origin]: `${delivery.topic}:${delivery.partition}:${delivery.offset}`,
        [DLQ_HEADERS.at]: new Date().toISOString(),
      },
    },
  ]);
}
