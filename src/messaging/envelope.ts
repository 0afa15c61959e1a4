import { z } from "zod";
import { newId } from "../platform/ids.ts";
import { currentTraceparent } from "../platform/telemetry.ts";

/**
 * Every message on the log travels in this envelope. `type` names the contract
 * (`user.registered`), `version` its schema version; `key` orders messages (one partition per
 * key). Requests carry `replyTo` and `deadline`; replies carry the request's id in `causationId`.
 */
export const envelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/),
  version: z.number().int().positive(),
  key: z.string().min(1).max(512),
  occurredAt: z.iso.datetime({ offset: true }),
  correlationId: z.string().min(1).max(128),
  causationId: z.string().max(128).optional(),
  traceparent: z.string().max(128).optional(),
  replyTo: z.string().max(255).optional(),
  deadline: z.iso.datetime({ offset: true }).optional(),
  source: z.string().max(64).optional(),
  payload: z.unknown(),
});

export type Envelope<P = unknown> = Omit<z.infer<typeof envelopeSchema>, "payload"> & { payload: P };

export interface EnvelopeInit<P> {
  type: string;
  version?: number;
  key: string;
  payload: P;
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
  replyTo?: string;
  deadline?: Date;
  source?: string;
}

export function createEnvelope<P>(init: EnvelopeInit<P>): Envelope<P> {
  const id = newId();
  return {
    id,
    type: init.type,
    version: init.version ?? 1,
    key: init.key,
    occurredAt: new Date().toISOString(),
    correlationId: init.correlationId ?? id,
    ...(init.causationId ? { causationId: init.causationId } : {}),
    ...traceparentOf(init.traceparent),
    ...(init.replyTo ? { replyTo: init.replyTo } : {}),
    ...(init.deadline ? { deadline: init.deadline.toISOString() } : {}),
    ...(init.source ? { source: init.source } : {}),
    payload: init.payload,
  };
}

/** The given trace context, else the current span's (a message made while handling a request or a message). */
function traceparentOf(given: string | undefined): { traceparent?: string } {
  const traceparent = given ?? currentTraceparent();
  return traceparent ? { traceparent } : {};
}

/**
 * The fields a message caused by `cause` inherits from it. Its trace context is the current
 * span's (the consumer span handling `cause`, itself a child of `cause`'s), else `cause`'s own.
 */
export function causedBy(
  cause: Envelope,
): Pick<EnvelopeInit<unknown>, "correlationId" | "causationId" | "traceparent"> {
  const traceparent = currentTraceparent() ?? cause.traceparent;
  return {
    correlationId: cause.correlationId,
    causationId: cause.id,
    ...(traceparent ? { traceparent } : {}),
  };
}
