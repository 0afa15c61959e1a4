import { pino, type Logger, type LevelWithSilent } from "pino";
import { currentCorrelationId, currentTrace } from "./telemetry.ts";

export type { Logger };

/** Field names whose values never reach a log line. */
export const redactedPaths = [
  "password",
  "currentPassword",
  "newPassword",
  "passwordHash",
  "token",
  "sessionToken",
  "authorization",
  "cookie",
  "*.password",
  "*.currentPassword",
  "*.newPassword",
  "*.passwordHash",
  "*.token",
  "*.sessionToken",
  "*.authorization",
  "*.cookie",
  "req.headers.authorization",
  "req.headers.cookie",
  "databaseUrl",
];

export function createLogger(options: {
  level: LevelWithSilent;
  service?: string;
  destination?: NodeJS.WritableStream;
}): Logger {
  return pino(
    {
      level: options.level,
      base: options.service ? { service: options.service } : {},
      redact: { paths: redactedPaths, censor: "[redacted]" },
      mixin: () => {
        const correlationId = currentCorrelationId();
        const trace = currentTrace();
        return {
          ...(correlationId ? { correlationId } : {}),
          ...(trace ? { traceId: trace.traceId, spanId: trace.spanId } : {}),
        };
      },
    },
    options.destination ?? process.stdout,
  );
}
