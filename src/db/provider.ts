import { join } from "node:path";
import type { Config, ServiceName } from "../platform/config.ts";
import type { Database } from "./database.ts";
import { openPglite, openPostgres } from "./database.ts";

/**
 * Hands each service its database: the one PGlite instance of this process (PGlite costs
 * ~0.7 GB per instance, so never one per service), or a postgres.js pool per distinct URL.
 */
export class DatabaseProvider {
  private pglite: Promise<Database> | undefined;
  private readonly pools = new Map<string, Database>();

  constructor(
    private readonly config: Pick<Config, "DATA_DIR" | "databaseUrlFor">,
    private readonly options: { inMemory?: boolean } = {},
  ) {}

  async forService(service: ServiceName | "log"): Promise<Database> {
    const url = this.config.databaseUrlFor(service);
    if (!url) {
      this.pglite ??= openPglite(this.options.inMemory ? undefined : join(this.config.DATA_DIR, "pglite"));
      return this.pglite;
    }
    let pool = this.pools.get(url);
    if (!pool) {
      pool = openPostgres(url, { applicationName: `ledgerline-${service}` });
      this.pools.set(url, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const all: Promise<void>[] = [...this.pools.values()].map((db) => db.close());
    if (this.pglite) all.push(this.pglite.then((db) => db.close()));
    await Promise.allSettled(all);
    this.pools.clear();
    this.pglite = undefined;
  }
}
