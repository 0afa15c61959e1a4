import { createHmac, randomBytes } from "node:crypto";
import postgres from "postgres";
import { ident } from "./database.ts";

/**
 * Per-service PostgreSQL roles. Each service connects as its own role, `<prefix><service>`,
 * which owns the schema of the same service name and nothing else: no other role is granted
 * anything on it, so a service that tries to read another's tables gets "permission denied for
 * schema". The database enforces what the architecture says (no service reads another's tables).
 */
export interface ProvisionOptions {
  /** A role that may create roles and schemas (a superuser, or CREATEROLE and the database owner). */
  readonly adminUrl: string;
  /** The services (schemas) to provision. */
  readonly services: readonly string[];
  /** Role names are `<rolePrefix><service>` (default `ledgerline_`). */
  readonly rolePrefix?: string;
  /** Schema names are `<schemaPrefix><service>` (default none: the names the services use). */
  readonly schemaPrefix?: string;
  /**
   * Derives each role's password as HMAC-SHA256(secret, role), so provisioning again gives the
   * same URLs. Unset: a random password per role, set anew on every run.
   */
  readonly passwordSecret?: string;
  /** Create the database of the admin URL's path first if it does not exist (connecting to `postgres`). */
  readonly createDatabase?: boolean;
  /**
   * The role name and password a service must get (e.g. from the DATABASE_URL_<SERVICE> it will
   * be given); other services get `<rolePrefix><service>` and a password as above.
   */
  readonly credentials?: (service: string) => { role: string; password: string } | undefined;
}

export interface ProvisionedRole {
  readonly service: string;
  readonly role: string;
  readonly schema: string;
  /** The service's connection URL: the admin URL's hosts, database and options, the role's credentials. */
  readonly url: string;
}

export async function provisionRoles(options: ProvisionOptions): Promise<ProvisionedRole[]> {
  const rolePrefix = options.rolePrefix ?? "ledgerline_";
  const schemaPrefix = options.schemaPrefix ?? "";
  const database = databaseOf(options.adminUrl);
  if (options.createDatabase) await createDatabase(options.adminUrl, database);
  const sql = postgres(options.adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  const out: ProvisionedRole[] = [];
  try {
    // Nothing for everybody: only the roles granted below may connect, none may create in public.
    await sql.unsafe(`revoke all on database ${quoteIdent(database)} from public`);
    await sql.unsafe(`revoke create on schema public from public`);
    for (const service of options.services) {
      const given = options.credentials?.(service);
      const roleName = given?.role ?? `${rolePrefix}${service}`;
      const role = ident(roleName);
      const schemaName = `${schemaPrefix}${service}`;
      const schema = ident(schemaName);
      const password =
        given?.password ??
        (options.passwordSecret
          ? createHmac("sha256", options.passwordSecret).update(roleName).digest("base64url")
          : randomBytes(24).toString("base64url"));
      const exists = await sql`select 1 from pg_roles where rolname = ${roleName}`;
      if (exists.length === 0) await sql.unsafe(`create role ${role}`);
      // Utility statements take no parameters; the password is base64url, quoted all the same.
      await sql.unsafe(
        `alter role ${role} with login nosuperuser nocreatedb nocreaterole noinherit noreplication ` +
          `password ${quoteLiteral(password)}`,
      );
      await sql.unsafe(`grant connect, temporary on database ${quoteIdent(database)} to ${role}`);
      await sql.unsafe(`create schema if not exists ${schema} authorization ${role}`);
      await sql.unsafe(`alter schema ${schema} owner to ${role}`);
      await sql.unsafe(`revoke all on schema ${schema} from public`);
      out.push({
        service,
        role: roleName,
        schema: schemaName,
        url: withCredentials(options.adminUrl, roleName, password),
      });
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  return out;
}

/** Drops what provisionRoles made (tests): the roles' objects, then the roles. */
export async function dropRoles(adminUrl: string, roles: readonly string[]): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    for (const role of roles) {
      const exists = await sql`select 1 from pg_roles where rolname = ${role}`;
      if (exists.length === 0) continue;
      await sql.unsafe(`drop owned by ${ident(role)} cascade`);
      await sql.unsafe(`drop role ${ident(role)}`);
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The user and password of a postgres:// URL (multi-host URLs too). */
export function credentialsOf(url: string): { user: string; password: string } | undefined {
  const match = /^postgres(?:ql)?:\/\/([^:@/]+):([^@/]*)@/.exec(url);
  if (!match?.[1] || !match[2]) return undefined;
  return { user: decodeURIComponent(match[1]), password: decodeURIComponent(match[2]) };
}

/** The database name in a (possibly multi-host) PostgreSQL URL. */
export function databaseOf(url: string): string {
  const match = /^postgres(?:ql)?:\/\/[^/]*\/([^?#]+)/.exec(url);
  if (!match?.[1]) throw new Error("the admin URL names no database (postgres://user@host:5432/<database>)");
  return decodeURIComponent(match[1]);
}

/**
 * The URL with other credentials. postgres.js takes multi-host URLs (`h1:5432,h2:5432`) that
 * `new URL` refuses, so only the part before `@` is replaced.
 */
export function withCredentials(url: string, user: string, password: string): string {
  const match = /^(postgres(?:ql)?:\/\/)(?:[^@/]*@)?(.*)$/.exec(url);
  if (!match) throw new Error("not a postgres:// URL");
  return `${match[1]}${encodeURIComponent(user)}:${encodeURIComponent(password)}@${match[2]}`;
}

async function createDatabase(adminUrl: string, database: string): Promise<void> {
  const maintenance = adminUrl.replace(/^(postgres(?:ql)?:\/\/[^/]*\/)[^?#]+/, "$1postgres");
  const sql = postgres(maintenance, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const exists = await sql`select 1 from pg_database where datname = ${database}`;
    if (exists.length === 0) await sql.unsafe(`create database ${quoteIdent(database)}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
