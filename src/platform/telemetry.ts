import { AsyncLocalStorage } from "node:async_hooks";
import { randomFillSync } from "node:crypto";

/**
 * Traces that follow one user action across services: W3C trace context (`traceparent`) carried
 * in every envelope, a span per HTTP request (gateway) and per handled message (consumers), and
 * the current trace and span ids on every log line. Ids are always made and logged; spans are
 * exported over OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT is set, and only then is the
 * OpenTelemetry SDK loaded.
 */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
}

export type SpanKind = "server" | "client" | "producer" | "consumer" | "internal";
export type Attributes = Record<string, string | number | boolean>;

export interface Span {
  readonly context: TraceContext;
  readonly traceparent: string;
  setAttribute(key: string, value: string | number | boolean): void;
  /** Ends the span; an error marks it failed (and is recorded when exported). */
  end(outcome?: { error?: unknown }): void;
}

interface Backend {
  start(name: string, kind: SpanKind, parent: TraceContext | undefined, attributes: Attributes): Span;
  shutdown(): Promise<void>;
}

/**
 * What the work in progress carries: its span and its correlation id (read by the log's mixin
 * and by every message created during it). One store for both: on Node 20 each
 * AsyncLocalStorage in use adds a hook call to every promise the process creates.
 */
interface WorkContext {
  readonly trace: TraceContext | undefined;
  readonly correlationId: string | undefined;
}

const storage = new AsyncLocalStorage<WorkContext>();

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Parses a W3C traceparent header; undefined when absent or malformed (all-zero ids are invalid). */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  if (!value) return undefined;
  const match = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? "01" : "00"}`;
}

/** Random bytes drawn 4 KiB at a time: a span per request and per message makes many small ids. */
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;
function randomHex(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += bytes;
  return pool.toString("hex", poolAt - bytes, poolAt);
}

/**
 * A span that only carries ids. A class, not an object of closures: one is made per request and
 * per message, and its methods need no state of their own.
 */
class IdsOnlySpan implements Span {
  constructor(readonly context: TraceContext) {}
  get traceparent(): string {
    return formatTraceparent(this.context);
  }
  setAttribute(): void {}
  end(): void {}
}

/** Without an exporter: ids only, so logs and envelopes still tie one action together. */
const idsOnly: Backend = {
  start(_name, _kind, parent) {
    return new IdsOnlySpan({
      traceId: parent?.traceId ?? randomHex(16),
      spanId: randomHex(8),
      sampled: parent?.sampled ?? true,
    });
  },
  shutdown: async () => {},
};

let backend: Backend = idsOnly;

/** Starts a span: a child of `parent` (a traceparent or a context), else of the current span, else a new trace. */
export function startSpan(
  name: string,
  options: { parent?: string | TraceContext | undefined; kind?: SpanKind; attributes?: Attributes } = {},
): Span {
  const parent =
    typeof options.parent === "string"
      ? (parseTraceparent(options.parent) ?? currentTrace())
      : (options.parent ?? currentTrace());
  return backend.start(name, options.kind ?? "internal", parent, options.attributes ?? {});
}

/**
 * Runs fn with `span` as the current span, and `correlationId` (else the current one) as the
 * current correlation id: log lines and messages created in it carry both.
 */
export function withSpan<T>(span: Span | TraceContext, fn: () => T, correlationId?: string): T {
  return storage.run(
    {
      trace: "context" in span ? span.context : span,
      correlationId: correlationId ?? storage.getStore()?.correlationId,
    },
    fn,
  );
}

export function currentTrace(): TraceContext | undefined {
  return storage.getStore()?.trace;
}

/** Correlation id of the work in progress, attached to every log line written during it. */
export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

/** The traceparent of the current span, for messages created inside it. */
export function currentTraceparent(): string | undefined {
  const context = currentTrace();
  return context ? formatTraceparent(context) : undefined;
}

/**
 * Loads the OpenTelemetry SDK and exports spans to `<endpoint>/v1/traces` (OTLP/HTTP, JSON)
 * when an endpoint is given; otherwise keeps the ids-only backend. Returns a shutdown that
 * flushes what is buffered.
 */
export async function initTelemetry(options: {
  endpoint: string | undefined;
  serviceName: string;
  instanceId: string;
}): Promise<{ shutdown(): Promise<void> }> {
  if (!options.endpoint) return { shutdown: async () => {} };
  const [api, sdk, exporterModule, resources] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  const exporter = new exporterModule.OTLPTraceExporter({
    url: `${options.endpoint.replace(/\/$/, "")}/v1/traces`,
  });
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({
      "service.name": options.serviceName,
      "service.instance.id": options.instanceId,
    }),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer("ledgerline");
  const kinds: Record<SpanKind, number> = {
    internal: api.SpanKind.INTERNAL,
    server: api.SpanKind.SERVER,
    client: api.SpanKind.CLIENT,
    producer: api.SpanKind.PRODUCER,
    consumer: api.SpanKind.CONSUMER,
  };
  const previous = backend;
  backend = {
    start(name, kind, parent, attributes) {
      const parentContext = parent
        ? api.trace.setSpanContext(api.ROOT_CONTEXT, {
            traceId: parent.traceId,
            spanId: parent.spanId,
            traceFlags: parent.sampled ? api.TraceFlags.SAMPLED : api.TraceFlags.NONE,
            isRemote: true,
          })
        : api.ROOT_CONTEXT;
      const span = tracer.startSpan(name, { kind: kinds[kind], attributes }, parentContext);
      const { traceId, spanId, traceFlags } = span.spanContext();
      const context: TraceContext = {
        traceId,
        spanId,
        sampled: (traceFlags & api.TraceFlags.SAMPLED) === api.TraceFlags.SAMPLED,
      };
      return {
        context,
        traceparent: formatTraceparent(context),
        setAttribute: (key, value) => void span.setAttribute(key, value),
        end: (outcome) => {
          if (outcome?.error !== undefined) {
            const error = outcome.error;
            span.recordException(error instanceof Error ? error : String(error));
            span.setStatus({ code: api.SpanStatusCode.ERROR });
          }
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
  };
  return {
    shutdown: async () => {
      const current = backend;
      backend = previous;
      await current.shutdown();
    },
  };
}
