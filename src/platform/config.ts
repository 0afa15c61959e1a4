import { z } from "zod";

/**
 * The whole configuration, read from the environment once at start: one zod schema with
 * defaults, validated, then frozen. docs/configuration.md lists every variable; a test keeps
 * the two equal. A bad value stops the start with a message naming the variable.
 */
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
    z.string().regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: "expected host:port[,host:port…]" }),
  ),
  KAFKA_CLIENT_ID: z.string().min(1).default("ledgerline"),
  /** Prefix of every topic and consumer group, so deployments can share one Kafka cluster. */
  KAFKA_NAMESPACE: optional(
    z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: "expected letters, digits, _ or -" }),
  ),
  SMTP_URL: optional(url(["smtp", "smtps"])),
  MAIL_FROM: z.string().min(3).default("Ledgerline <no-reply@localhost>"),
  LEDGERLINE_ADMIN_EMAIL: optional(z.string().email({ message: "expected an email address" })),
  LEDGERLINE_ADMIN_PASSWORD: optional(z.string().min(1)),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LEDGERLINE_INSTANCE_ID: optional(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)),
  /**
   * A process without the gateway serves /healthz, /readyz and /metrics on this port (HOST
   * address); unset: no operations port. `0`: any free port (logged).
   */
  OPS_PORT: optional(int(0, 65535)),
  /** OTLP/HTTP collector base URL (e.g. http://collector:4318): traces are exported there when set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(url(["http", "https"])),

  /** Partitions of each embedded-log topic (bounds the parallelism of one consumer group). */
  LOG_PARTITIONS: int(1, 256).default(4),
  /** How long the embedded log keeps messages. */
  LOG_RETENTION_HOURS: int(1, 24 * 365).default(168),
  /**
   * How long a service remembers a handled message's id (its inbox row). At least as long as
   * the log keeps the message: LOG_RETENTION_HOURS, or the Kafka topics' retention.ms.
   */
  INBOX_RETENTION_HOURS: int(1, 24 * 3650).default(168),
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
  /**
   * How long the broker may hold a consumer's fetch that finds nothing (fetch.max.wait.ms; 500 ms,
   * Kafka's own default). A real broker answers as soon as a message arrives, so the wait costs no
   * latency there and a long one saves idle requests. librdkafka's mock broker holds every empty
   * fetch this long: against it (tests, the test broker) set it low, e.g. 20.
   */
  KAFKA_FETCH_WAIT_MS: int(1, 10_000).default(500),
  /**
   * Partitions one Kafka consumer hands to its handler at once (order stays per partition).
   * Unset: LOG_PARTITIONS, so one member works all its partitions at once, as the embedded log's
   * partition readers do; 1 serialises a member's partitions.
   */
  KAFKA_PARTITIONS_CONCURRENTLY: optional(int(1, 256)),

  /**
   * Key that seals secrets carried in messages (passwords in commands, links in emails):
   * 32+ characters. Unset: a random key per process, fine when one process runs everything;
   * separate processes must share one.
   */
  LEDGERLINE_SECRET: optional(z.string().min(32, { message: "expected at least 32 characters" })),

  /** Password policy: 8 is the floor; 15 is the recommendation (NIST SP 800-63B). */
  PASSWORD_MIN_LENGTH: int(8, 128).default(8),
  /** argon2id cost (OWASP: m=19456 KiB, t=2, p=1). */
  ARGON2_MEMORY_KIB: int(8192, 1_048_576).default(19456),
  ARGON2_ITERATIONS: int(1, 10).default(2),

  /** Lockout (the knobs Keycloak's brute-force detection offers). */
  LOCKOUT_THRESHOLD: int(1, 100).default(5),
  LOCKOUT_BASE_SECONDS: int(1, 86_400).default(900),
  LOCKOUT_MAX_SECONDS: int(1, 30 * 86_400).default(86_400),
  /** Temporary locks before the next one is permanent (until an admin lifts it); 0 disables permanent locks. */
  LOCKOUT_MAX_TEMPORARY: int(0, 100).default(5),
  /** Failed logins one client IP may make per hour before 429. */
  LOGIN_FAILURES_PER_IP_PER_HOUR: int(1, 1_000_000).default(100),
  /** Signups, forgot-password and resend requests per IP per hour, and per email per hour. */
  REQUESTS_PER_IP_PER_HOUR: int(1, 1_000_000).default(50),
  REQUESTS_PER_EMAIL_PER_HOUR: int(1, 1_000).default(5),

  ACTIVATION_TTL_HOURS: int(1, 24 * 30).default(24),
  /** An account not activated within this many hours is expired and its email freed. */
  ACTIVATION_EXPIRE_HOURS: int(1, 24 * 90).default(72),
  RESET_TTL_MINUTES: int(1, 30).default(30),

  SESSION_IDLE_MINUTES: int(1, 60 * 24 * 30).default(60 * 24),
  SESSION_ABSOLUTE_HOURS: int(1, 24 * 365).default(24 * 14),
  /** Trust X-Forwarded-* from a proxy in front: true, false, or a comma-separated address/CIDR list. */
  TRUST_PROXY: z.string().default("false"),
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
  if (!values.KAFKA_BROKERS && values.INBOX_RETENTION_HOURS < values.LOG_RETENTION_HOURS) {
    throw new ConfigError([
      `INBOX_RETENTION_HOURS: expected at least LOG_RETENTION_HOURS (${values.LOG_RETENTION_HOURS}): a message still in the log could be handled twice (got "${values.INBOX_RETENTION_HOURS}")`,
    ]);
  }
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
