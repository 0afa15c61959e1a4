import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/platform/config.ts";

describe("config", () => {
  it("has working defaults for an empty environment", () => {
    const config = loadConfig({});
    expect(config.HOST).toBe("127.0.0.1");
    expect(config.PORT).toBe(3000);
    expect(config.publicUrl).toBe("http://127.0.0.1:3000");
    expect(config.databaseUrlFor("login")).toBeUndefined();
    // Kafka's own fetch.max.wait.ms: a real broker answers on arrival (decision 0015).
    expect(config.KAFKA_FETCH_WAIT_MS).toBe(500);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("names each bad variable and what it expected", () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: "eighty", LOG_LEVEL: "loud", KAFKA_BROKERS: "nohost" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toContain('PORT: expected a whole number (got "eighty")');
    expect(message).toContain("LOG_LEVEL");
    expect(message).toContain("KAFKA_BROKERS: expected host:port");
  });

  it("refuses an inbox kept for less time than the embedded log keeps its messages", () => {
    expect(() => loadConfig({ LOG_RETENTION_HOURS: "48", INBOX_RETENTION_HOURS: "24" })).toThrow(
      "INBOX_RETENTION_HOURS: expected at least LOG_RETENTION_HOURS (48)",
    );
    expect(loadConfig({ LOG_RETENTION_HOURS: "48", INBOX_RETENTION_HOURS: "48" }).INBOX_RETENTION_HOURS).toBe(
      48,
    );
    // On Kafka the log's retention is the topics' retention.ms, which the platform does not know.
    expect(
      loadConfig({ KAFKA_BROKERS: "127.0.0.1:9092", INBOX_RETENTION_HOURS: "24" }).INBOX_RETENTION_HOURS,
    ).toBe(24);
  });

  it("never echoes a secret-bearing value", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://user:hunter2@x/db" })).toThrow(ConfigError);
    try {
      loadConfig({ DATABASE_URL: "mysql://user:hunter2@x/db" });
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
    }
  });

  it("gives a service its own database URL before the shared one", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://shared/db",
      DATABASE_URL_LOGIN: "postgres://login-host/db",
    });
    expect(config.databaseUrlFor("login")).toBe("postgres://login-host/db");
    expect(config.databaseUrlFor("accounts")).toBe("postgres://shared/db");
  });
});
