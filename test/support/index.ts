import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { MOCK_BROKER_FETCH_WAIT_MS } from "../../src/cli/mock-broker.ts";
import type { Config } from "../../src/platform/config.ts";
import { loadConfig } from "../../src/platform/config.ts";
import type { Logger } from "../../src/platform/logger.ts";
import { createLogger } from "../../src/platform/logger.ts";
import { Sealer } from "../../src/platform/secrets.ts";

/** A name no other test uses: topics, groups and schemas (lower-case, SQL-safe). */
export function unique(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

/** One sealing key for every test platform, so a test can seal what a service will open. */
export const TEST_SECRET = "ledgerline-test-secret-0123456789abcdef";
export const testSealer = new Sealer(TEST_SECRET);

/** The Kafka fetch wait of the suites, which run against librdkafka's mock broker. */
export { MOCK_BROKER_FETCH_WAIT_MS };

export function testConfig(overrides: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    KAFKA_FETCH_WAIT_MS: String(MOCK_BROKER_FETCH_WAIT_MS),
    LEDGERLINE_SECRET: TEST_SECRET,
    CONSUMER_RETRY_BASE_MS: "10",
    OUTBOX_POLL_MS: "50",
    ...overrides,
  });
}

export function testLogger(): Logger {
  return createLogger({ level: (process.env.TEST_LOG_LEVEL as "silent" | undefined) ?? "silent" });
}

/** Resolves with `promise`, or fails naming `what` when it has not settled within `ms`. */
export async function within<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until `check` returns a truthy value, or fails with `what` after the timeout. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** PostgreSQL for the suites that need it: DATABASE_URL, or skipped with one clear line. */
/**
 * This environment without what would move the databases or the log elsewhere: for a child
 * `ledgerline` process that must run on the embedded defaults whatever the suite runs on.
 */
export function embeddedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("DATABASE_URL") && key !== "KAFKA_BROKERS"),
  );
}

export const postgresUrl = process.env.DATABASE_URL;
export const kafkaBrokers = process.env.KAFKA_BROKERS;

const announced = new Set<string>();
export function announceSkip(what: string, how: string): void {
  if (announced.has(what)) return;
  announced.add(what);
  console.log(`${what} skipped: ${how}`);
}

/** A logger's destination that keeps every line written: as written (`text`) and parsed (`lines`). */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  text = "";
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    const text = chunk.toString();
    this.text += text;
    for (const line of text.split("\n").filter(Boolean)) this.lines.push(JSON.parse(line));
    done();
  }
}
