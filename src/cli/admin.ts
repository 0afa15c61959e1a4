import { createAdmin } from "../contracts/accounts/index.ts";
import { email } from "../contracts/common.ts";
import { checkPassword, passwordProblemMessages } from "../contracts/accounts/password-policy.ts";
import type { Config } from "../platform/config.ts";
import { ConfigError } from "../platform/config.ts";
import { Platform } from "../runtime/platform.ts";
import { servicesNamed } from "../services/index.ts";
import { NoPasswordError, readPassword } from "./password-prompt.ts";

/**
 * Why `start` cannot create the first admin it was asked for, as a configuration problem: the
 * email without a password, or a password the policy refuses. Checked before anything starts,
 * so a typo fails the start in one line instead of leaving a platform without its admin.
 * (The password alone is no request: `ledgerline admin create` reads it too.)
 */
export function adminBootstrapProblem(config: Config): string | undefined {
  const { LEDGERLINE_ADMIN_EMAIL: email, LEDGERLINE_ADMIN_PASSWORD: password } = config;
  if (!email) return undefined;
  if (!password)
    return "LEDGERLINE_ADMIN_EMAIL: set LEDGERLINE_ADMIN_PASSWORD too, or the admin cannot be created";
  const problem = checkPassword(password, email, config.PASSWORD_MIN_LENGTH);
  return problem
    ? `LEDGERLINE_ADMIN_PASSWORD: ${passwordProblemMessages[problem](config.PASSWORD_MIN_LENGTH)}`
    : undefined;
}

/** Creates the first admin from LEDGERLINE_ADMIN_EMAIL / _PASSWORD at start, if absent. */
export async function bootstrapAdmin(platform: Platform): Promise<void> {
  const { LEDGERLINE_ADMIN_EMAIL: email, LEDGERLINE_ADMIN_PASSWORD: password } = platform.config;
  const problem = adminBootstrapProblem(platform.config);
  if (problem) throw new ConfigError([problem]);
  if (!email || !password || !platform.requester) return;
  const result = await platform.requester.request(createAdmin, email.toLowerCase(), {
    email,
    password: platform.sealer.seal(password),
  });
  platform.log.info(
    { userId: result.userId, created: result.created },
    result.created ? "admin created" : "admin exists",
  );
}

/**
 * `ledgerline admin create --email x`: over Kafka it asks the running accounts service; on the
 * embedded defaults it runs accounts itself (stop `npm start` first: one process owns ./data).
 */
export async function createAdminCommand(config: Readonly<Config>, address: string): Promise<number> {
  // Checked here, before anything starts: a request that breaks its contract is never answered.
  const parsed = email.safeParse(address);
  if (!parsed.success) {
    console.error(`--email: "${address}" is not an email address`);
    return 2;
  }
  const admin = parsed.data;
  let password = config.LEDGERLINE_ADMIN_PASSWORD;
  try {
    password ??= await readPassword("Password for the new admin: ");
  } catch (error) {
    if (!(error instanceof NoPasswordError)) throw error;
    console.error(
      `${error.message}: type the admin's password, pipe it on standard input, or set LEDGERLINE_ADMIN_PASSWORD`,
    );
    return 2;
  }
  const problem = checkPassword(password, admin, config.PASSWORD_MIN_LENGTH);
  if (problem) {
    console.error(passwordProblemMessages[problem](config.PASSWORD_MIN_LENGTH));
    return 2;
  }
  const platform = new Platform({
    config,
    services: config.KAFKA_BROKERS ? [] : servicesNamed(["accounts", "login"]),
    requester: true,
  });
  await platform.start();
  try {
    const result = await platform.requester!.request(createAdmin, admin, {
      email: admin,
      password: platform.sealer.seal(password),
    });
    console.log(
      result.created ? `admin ${admin} created` : `${admin} is already registered; nothing changed`,
    );
    return 0;
  } finally {
    await platform.stop();
  }
}
