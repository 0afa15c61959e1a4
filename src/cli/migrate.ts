import { migrate } from "../db/migrate.ts";
import { messagingMigrations } from "../messaging/outbox.ts";
import type { Config } from "../platform/config.ts";
import { Platform } from "../runtime/platform.ts";
import { allServices } from "../services/index.ts";

/**
 * Applies every service's pending migrations, each with its own database URL (so, after
 * `ledgerline db provision`, as the service's own role), and the gateway's command outbox when
 * the gateway has a database on Kafka. Returns one line per schema, naming what it applied by
 * component (the messaging tables every service has, and the service's own): "login: applied
 * messaging 1, 2; service 1" or "login: up to date".
 */
export async function migrateAll(config: Readonly<Config>): Promise<string[]> {
  const platform = new Platform({ config, services: [] });
  const lines: string[] = [];
  try {
    for (const service of allServices) {
      const db = await platform.databases.forService(service.name);
      const schema = platform.schemaOf(service.name);
      const applied = {
        messaging: await migrate(db, schema, messagingMigrations, "messaging"),
        service: await migrate(db, schema, service.migrations),
      };
      lines.push(`${service.name}: ${describeApplied(applied)}`);
    }
    if (config.KAFKA_BROKERS && config.databaseUrlFor("gateway")) {
      const db = await platform.databases.forService("gateway");
      const applied = await migrate(db, platform.schemaOf("gateway"), messagingMigrations, "messaging");
      lines.push(`gateway: ${describeApplied({ messaging: applied })}`);
    }
  } finally {
    await platform.databases.close();
  }
  return lines;
}

function describeApplied(applied: Record<string, number[]>): string {
  const parts = Object.entries(applied)
    .filter(([, versions]) => versions.length > 0)
    .map(([component, versions]) => `${component} ${versions.join(", ")}`);
  return parts.length > 0 ? `applied ${parts.join("; ")}` : "up to date";
}
