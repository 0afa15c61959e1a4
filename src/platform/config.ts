import { z } from "zod";

/**
 * The whole configuration, read from the environment once at start: one zod schema with
 * defaults, validated, then frozen. docs/configuration.md lists every variable; a test keeps
 * the two equal. A bad value stops the start with a message naming the variable.
 */
const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");
const int = (min: number, max: number) =>
  z.coerce
    .number({ message: "expected a whole number" })
    .int({ message: "expected a whole number" })
    .min(min, { message: `expected at least ${min}` })
    .max(max, { message: `expected at most ${max}` });
const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol.replace(/:$/, ""));
      } catch {
        return false;
      }
    },
    { message: `expected a URL (${protocols.join(", ")})` },
  );
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

export const serviceNames = [
  "gateway",
  "accounts",
  "activation",
  "login",
  "lockout",
  "password",
  "mailer",
  "invoicing",
  "scoring",
] as const;
export type ServiceName = (typeof serviceNames)[number];

export const envSchema = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: int(0, 65535).default(3000),
  PUBLIC_URL: optional(url(["http", "https"])),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: optional(url(["postgres", "postgresql"])),
  KAFKA_BROKERS: optional(
    z
      .string()
      .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: "expected host:port[,host:port…]" }),
  ),
  KAFKA_CLIENT_ID: z.string().min(1).default("ledgerline"),
  SMTP_URL: optional(url(["smtp", "smtps"])),
  MAIL_FROM: z.string().min(3).default("Ledgerline <no-reply@localhost>"),
  LEDGERLINE_ADMIN_EMAIL: optional(z.string().email({ message: "expected an email address" })),
  LEDGERLINE_ADMIN_PASSWORD: optional(z.string().min(1)),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LEDGERLINE_INSTANCE_ID: optional(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)),

  /** Partitions of each embedded-log topic (bounds the parallelism of one consumer group). */
  LOG_PARTITIONS: int(1, 256).default(4),
  /** How long the embedded log keeps messages. */
  LOG_RETENTION_HOURS: int(1, 24 * 365).default(168),
  /** Tries of a handler whose error says canRetry, before the message goes to the DLQ. */
  CONSUMER_MAX_ATTEMPTS: int(1, 100).default(5),
  /** First retry delay; doubles each try. */
  CONSUMER_RETRY_BASE_MS: int(1, 60_000).default(100),
  /** How long the gateway waits for a command's reply before answering 504. */
  REQUEST_TIMEOUT_MS: int(50, 120_000).default(5_000),
  /** On SIGTERM, how long in-flight work may take before the process stops anyway. */
  SHUTDOWN_GRACE_MS: int(0, 120_000).default(10_000),
  /** How often the outbox relay looks for rows written by other processes. */
  OUTBOX_POLL_MS: int(10, 60_000).default(500),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  readonly publicUrl: string;
  /** The PostgreSQL URL a service uses, or undefined for the embedded database. */
  databaseUrlFor(service: ServiceName | "log"): string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads and validates the environment. Throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join(".");
      const raw = env[name];
      // Never echo a value that may hold a secret.
      const shown = raw === undefined || /PASSWORD|URL|SECRET|TOKEN/.test(name) ? "" : ` (got "${raw}")`;
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const values = parsed.data;
  const perService: Record<string, string | undefined> = {};
  for (const name of [...serviceNames, "log"]) {
    const key = `DATABASE_URL_${name.toUpperCase()}`;
    const raw = env[key];
    if (raw) {
      const check = url(["postgres", "postgresql"]).safeParse(raw);
      if (!check.success) throw new ConfigError([`${key}: expected a URL (postgres, postgresql)`]);
      perService[name] = raw;
    }
  }
  const config: Config = {
    ...values,
    publicUrl: (values.PUBLIC_URL ?? `http://${values.HOST}:${values.PORT}`).replace(/\/$/, ""),
    databaseUrlFor: (service) => perService[service] ?? values.DATABASE_URL,
  };
  return Object.freeze(config);
}
