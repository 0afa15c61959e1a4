import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateAll } from "../../src/cli/migrate.ts";
import type { ProvisionedRole } from "../../src/db/provision.ts";
import { databaseOf, dropRoles, provisionRoles, withCredentials } from "../../src/db/provision.ts";
import { loadConfig, serviceNames } from "../../src/platform/config.ts";
import { announceSkip, postgresUrl, TEST_SECRET } from "../support/index.ts";
import { scratchDatabase } from "./support.ts";

if (!postgresUrl) announceSkip("PostgreSQL role isolation", "set DATABASE_URL to run it.");

describe("URLs for service roles", () => {
  it("keeps hosts, database and options of multi-host URLs, replacing only the credentials", () => {
    const url = "postgres://admin:secret@db1:5432,db2:5432/ledgerline?target_session_attrs=read-write";
    expect(withCredentials(url, "ledgerline_login", "p/w")).toBe(
      "postgres://ledgerline_login:p%2Fw@db1:5432,db2:5432/ledgerline?target_session_attrs=read-write",
    );
    expect(databaseOf(url)).toBe("ledgerline");
    expect(withCredentials("postgres://db/x", "r", "p")).toBe("postgres://r:p@db/x");
  });
});

describe.skipIf(!postgresUrl)("per-service PostgreSQL roles (ledgerline db provision)", () => {
  let database: Awaited<ReturnType<typeof scratchDatabase>>;
  let roles: ProvisionedRole[];
  const sessions: postgres.Sql[] = [];
  const as = (service: string): postgres.Sql => {
    const role = roles.find((r) => r.service === service)!;
    const sql = postgres(role.url, { max: 1, onnotice: () => {} });
    sessions.push(sql);
    return sql;
  };

  beforeAll(async () => {
    database = await scratchDatabase("ll_roles");
    roles = await provisionRoles({
      adminUrl: database.url,
      services: serviceNames,
      rolePrefix: `${database.name}_`,
      passwordSecret: TEST_SECRET,
    });
    // Migrations run as each service's own role (the URLs provisioning printed).
    const env = Object.fromEntries(roles.map((r) => [`DATABASE_URL_${r.service.toUpperCase()}`, r.url]));
    await migrateAll(loadConfig({ ...env, KAFKA_BROKERS: "127.0.0.1:9", LOG_LEVEL: "silent" }));
  });

  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.end()));
    await database?.drop();
    if (roles)
      await dropRoles(
        postgresUrl!,
        roles.map((r) => r.role),
      );
  });

  it("gives every service a role that owns its schema, in which its migrations made the tables", async () => {
    expect(roles.map((r) => r.service).sort()).toEqual([...serviceNames].sort());
    const admin = postgres(database.url, { max: 1, onnotice: () => {} });
    sessions.push(admin);
    const owners = await admin`
      select n.nspname as schema, r.rolname as owner from pg_namespace n join pg_roles r on r.oid = n.nspowner
      where n.nspname = any(${serviceNames as unknown as string[]})`;
    expect(Object.fromEntries(owners.map((o) => [o.schema, o.owner]))).toEqual(
      Object.fromEntries(roles.map((r) => [r.schema, r.role])),
    );
    const tables = await admin`
      select schemaname, tableowner from pg_tables where schemaname in ('accounts', 'login', 'gateway')`;
    expect(new Set(tables.map((t) => t.schemaname))).toEqual(new Set(["accounts", "login", "gateway"]));
    for (const t of tables) expect(t.tableowner).toBe(`${database.name}_${t.schemaname}`);
  });

  it("lets a service work in its own schema", async () => {
    const login = as("login");
    const rows = await login`select count(*)::int as n from login.credentials`;
    expect(rows[0]?.n).toBe(0);
  });

  it("refuses a service's role any access to another service's schema", async () => {
    const login = as("login");
    await expect(login`select * from accounts.users`).rejects.toThrow(
      /permission denied for schema accounts/,
    );
    await expect(login`select * from mailer.outgoing`).rejects.toThrow(/permission denied for schema mailer/);
    await expect(login`insert into accounts.users (id) values (gen_random_uuid())`).rejects.toThrow(
      /permission denied for schema accounts/,
    );
    const accounts = as("accounts");
    await expect(accounts`select * from login.credentials`).rejects.toThrow(
      /permission denied for schema login/,
    );
    await expect(accounts.unsafe("create schema sneaky")).rejects.toThrow(/permission denied for database/);
    await expect(accounts.unsafe("create table public.sneaky (x int)")).rejects.toThrow(
      /permission denied for schema public/,
    );
  });

  it("provisions again without change: same URLs from the same password secret", async () => {
    const again = await provisionRoles({
      adminUrl: database.url,
      services: serviceNames,
      rolePrefix: `${database.name}_`,
      passwordSecret: TEST_SECRET,
    });
    expect(again.map((r) => r.url)).toEqual(roles.map((r) => r.url));
  });
});
