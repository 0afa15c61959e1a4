import { join } from "node:path";
import type { Config, ServiceName } from "../platform/config.ts";
import { lockDataDir } from "./data-dir-lock.ts";
import type { Database } from "./database.ts";
import { openPostgres } from "./database.ts";
import { openPglite } from "./pglite.ts";

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
      if (!this.pglite) {
        const opening = this.options.inMemory ? openPglite() : this.openOnDisk();
        this.pglite = opening;
        // A failed open (the directory is in use, say) is not kept: the next call tries again.
        opening.catch(() => {
          if (this.pglite === opening) this.pglite = undefined;
        });
      }
      return this.pglite;
    }
    let pool = this.pools.get(url);
    if (!pool) {
      pool = openPostgres(url, { applicationName: `ledgerline-${service}` });
      this.pools.set(url, pool);
    }
    return pool;
  }

  /** PGlite in DATA_DIR, which this process then holds until close (see lockDataDir). */
  private async openOnDisk(): Promise<Database> {
    const lock = lockDataDir(this.config.DATA_DIR);
    try {
      const db = await openPglite(join(this.config.DATA_DIR, "pglite"));
      return {
        ...db,
        close: async () => {
          try {
            await db.close();
          } finally {
            lock.release();
          }
        },
      };
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  async close(): Promise<void> {
    const all: Promise<void>[] = [...this.pools.values()].map((db) => db.close());
    if (this.pglite) all.push(this.pglite.then((db) => db.close()));
    await Promise.allSettled(all);
    this.pools.clear();
    this.pglite = undefined;
  }
}
