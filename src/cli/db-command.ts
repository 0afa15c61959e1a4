import { readFileSync } from "node:fs";
import { credentialsOf, provisionRoles } from "../db/provision.ts";
import { serviceNames } from "../platform/config.ts";

/**
 * `ledgerline db provision --admin-url postgres://admin@host/db [--password-file f]`: a role and a
 * schema per service (and the gateway's command outbox), then the DATABASE_URL_<SERVICE> lines to
 * give each service. With a password file, passwords are derived from its content (running it
 * again gives the same URLs); without, they are random and reset on every run. With --from-env,
 * the roles and passwords are those the DATABASE_URL_<SERVICE> variables name.
 */
export async function provisionCommand(options: {
  adminUrl: string;
  passwordFile?: string;
  rolePrefix?: string;
  /** Roles and passwords as the DATABASE_URL_<SERVICE> variables already name them (docker-compose.yml). */
  fromEnv?: boolean;
  createDatabase?: boolean;
}): Promise<number> {
  const secret = options.passwordFile ? readFileSync(options.passwordFile, "utf8").trim() : undefined;
  if (secret !== undefined && secret.length < 16) {
    console.error("the password file must hold a secret of at least 16 characters");
    return 2;
  }
  const fromEnv = (service: string) => {
    const url = process.env[`DATABASE_URL_${service.toUpperCase()}`];
    const credentials = url ? credentialsOf(url) : undefined;
    return credentials ? { role: credentials.user, password: credentials.password } : undefined;
  };
  if (options.fromEnv) {
    const missing = serviceNames.filter((s) => !fromEnv(s));
    if (missing.length > 0) {
      console.error(`--from-env: no user:password in DATABASE_URL_<SERVICE> for ${missing.join(", ")}`);
      return 2;
    }
  }
  const roles = await provisionRoles({
    adminUrl: options.adminUrl,
    services: serviceNames,
    ...(options.rolePrefix ? { rolePrefix: options.rolePrefix } : {}),
    ...(secret ? { passwordSecret: secret } : {}),
    ...(options.fromEnv ? { credentials: fromEnv } : {}),
    ...(options.createDatabase ? { createDatabase: true } : {}),
  });
  console.error(`provisioned ${roles.length} roles; give each service its own URL:`);
  for (const role of roles) console.log(`DATABASE_URL_${role.service.toUpperCase()}=${role.url}`);
  return 0;
}
