import { login } from "../../contracts/login/index.ts";
import type { ServiceDefinition } from "../../runtime/platform.ts";
import { loginCommand } from "./commands/login.ts";
import { serveSessionCommands } from "./commands/sessions.ts";
import { loginMigrations } from "./db/migrations.ts";
import { LoginRepository } from "./db/repository.ts";
import { onAccountUnlocked } from "./handlers/on-account-unlocked.ts";
import { onCredentialsChanged } from "./handlers/on-credentials-changed.ts";

/**
 * login: verifies passwords against its own credentials view (fed by the credentials topic),
 * enforces the lock threshold exactly (one partition per email), opens and revokes sessions,
 * and keeps the login history.
 */
export const loginService: ServiceDefinition = {
  name: "login",
  migrations: loginMigrations,
  async start(ctx) {
    const repo = new LoginRepository(ctx.schema);
    const { config } = ctx;
    const command = loginCommand(ctx, repo, {
      threshold: config.LOCKOUT_THRESHOLD,
      baseSeconds: config.LOCKOUT_BASE_SECONDS,
      maxSeconds: config.LOCKOUT_MAX_SECONDS,
      maxTemporary: config.LOCKOUT_MAX_TEMPORARY,
    });
    await onCredentialsChanged(ctx, repo);
    await onAccountUnlocked(ctx, repo);
    await ctx.serve(login, command.handle, { prepare: command.prepare });
    await serveSessionCommands(ctx, repo);
  },
};
