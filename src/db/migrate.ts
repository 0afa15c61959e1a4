import type { Database } from "./database.ts";
import { ident } from "./database.ts";
import { RefusedError } from "../platform/in-use.ts";

/** One forward-only step. `up` receives the quoted schema name, so tests can use a unique one. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(schema: string): string;
}

/**
 * The schema holds migrations this code does not have: a newer version of Ledgerline migrated
 * it. Code that does not know a table's new columns or constraints could write rows the newer
 * code misreads, so it does not start (as Keycloak refuses a database migrated by a newer
 * release); migrations go forward only, so the way back is the newer version or a backup.
 */
export class SchemaNewerError extends RefusedError {
  constructor(
    readonly schema: string,
    readonly component: string,
    readonly unknown: readonly { version: number; name: string }[],
  ) {
    const list = unknown.map((m) => `${m.version} (${m.name})`).join(", ");
    super(
      "SCHEMA_NEWER",
      `Schema ${schema} holds ${component} migration${unknown.length > 1 ? "s" : ""} ${list} that this ` +
        "version of Ledgerline does not have: a newer version migrated it. Run that version or a " +
        "later one, or restore the database from a backup taken before the upgrade (migrations go " +
        "forward only).",
    );
  }
}

/**
 * Applies the pending migrations of one schema, each once, in version order, inside one
 * transaction that holds an advisory lock, so several instances starting at once apply them
 * once. Published migrations are never edited: a change is a new version. A schema that holds
 * a migration this code does not have is refused with SchemaNewerError, before anything is
 * applied.
 */
export async function migrate(
  db: Database,
  schemaName: string,
  migrations: readonly Migration[],
  component = "service",
): Promise<number[]> {
  const schema = ident(schemaName);
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (i > 0 && sorted[i - 1]?.version === m.version) throw new Error(`duplicate migration ${m.version}`);
  });
  return db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtext($1))", [
      `ledgerline:migrate:${schemaName}:${component}`,
    ]);
    // A service's own role (`ledgerline db provision`) owns its schema but may not create one:
    // PostgreSQL checks CREATE on the database even for `create schema if not exists`.
    const exists = await tx.query("select 1 from pg_namespace where nspname = $1", [schemaName]);
    if (exists.length === 0) await tx.query(`create schema ${schema}`);
    await tx.query(
      `create table if not exists ${schema}.schema_migrations (
         component text not null, version integer not null, name text not null,
         applied_at timestamptz not null default now(), primary key (component, version))`,
    );
    const recorded = await tx.query<{ version: number; name: string }>(
      `select version, name from ${schema}.schema_migrations where component = $1 order by version`,
      [component],
    );
    const known = new Set(sorted.map((m) => m.version));
    const unknown = recorded.filter((r) => !known.has(r.version));
    if (unknown.length > 0) throw new SchemaNewerError(schemaName, component, unknown);
    const done = new Set(recorded.map((r) => r.version));
    const applied: number[] = [];
    for (const migration of sorted) {
      if (done.has(migration.version)) continue;
      for (const statement of splitStatements(migration.up(schema))) await tx.query(statement);
      await tx.query(
        `insert into ${schema}.schema_migrations (component, version, name) values ($1, $2, $3)`,
        [component, migration.version, migration.name],
      );
      applied.push(migration.version);
    }
    return applied;
  });
}

/** Splits a migration script on semicolons that end a line (migrations keep one statement a line-end). */
function splitStatements(script: string): string[] {
  return script
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
