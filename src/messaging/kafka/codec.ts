import type { IHeaders, KafkaMessage, Message } from "kafkajs";
import type { Envelope } from "../envelope.ts";
import type { Delivery, OutgoingMessage } from "../transport.ts";

/** Header every record carries with its envelope's type, so tools can route without parsing. */
export const EVENT_TYPE_HEADER = "event-type";

/** One envelope as a Kafka record: key = ordering key, value = the envelope as JSON. */
export function toRecord(message: OutgoingMessage): Message {
  return {
    key: message.key,
    value: JSON.stringify(message.envelope),
    headers: { ...message.headers, [EVENT_TYPE_HEADER]: message.envelope.type },
  };
}

/** A record that does not hold an envelope (written by something other than Ledgerline). */
export class UndecodableRecordError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`record holds no envelope: ${reason}`, options);
    this.name = "UndecodableRecordError";
  }
}

/**
 * The delivery a record stands for. `event-type` is dropped from the headers: it repeats the
 * envelope's type, and the embedded log delivers exactly the headers that were published.
 */
export function toDelivery(topic: string, partition: number, record: KafkaMessage): Delivery {
  if (!record.value) throw new UndecodableRecordError("empty value");
  let envelope: Envelope;
  try {
    envelope = JSON.parse(record.value.toString("utf8")) as Envelope;
  } catch (error) {
    throw new UndecodableRecordError("value is not JSON", { cause: error });
  }
  if (typeof envelope !== "object" || envelope === null || typeof envelope.type !== "string") {
    throw new UndecodableRecordError("value is not an envelope");
  }
  return {
    topic,
    partition,
    offset: record.offset,
    key: record.key?.toString("utf8") ?? envelope.key,
    envelope,
    headers: decodeHeaders(record.headers),
  };
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name === EVENT_TYPE_HEADER || value === undefined) continue;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = last.toString();
  }
  return out;
}
