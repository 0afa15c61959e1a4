import { userChanged } from "../../contracts/accounts/index.ts";
import { requestPasswordReset, resetPassword } from "../../contracts/password/index.ts";
import type { Clock } from "../../platform/clock.ts";
import { systemClock } from "../../platform/clock.ts";
import type { ServiceDefinition } from "../../runtime/platform.ts";
import type { ServiceContext } from "../../runtime/service-context.ts";
import { requestPasswordResetHandler } from "./commands/request-password-reset.ts";
import { resetPasswordHandler } from "./commands/reset-password.ts";
import { passwordMigrations } from "./db/migrations.ts";
import { PasswordRepository } from "./db/repository.ts";
import type { PasswordDeps } from "./deps.ts";
import { onUserChanged } from "./handlers/on-user-changed.ts";

/**
 * password: forgotten-password reset by emailed link. It keeps its own view of users (from
 * user.changed) and reset tokens; the new password goes to accounts as set-password.
 */
export function createPasswordService(options: { clock?: Clock } = {}): ServiceDefinition {
  return {
    name: "password",
    migrations: passwordMigrations,
    async start(ctx: ServiceContext): Promise<void> {
      const deps: PasswordDeps = {
        ctx,
        repo: new PasswordRepository(ctx.schema),
        clock: options.clock ?? systemClock,
      };
      await ctx.on(userChanged, "on-user-changed", onUserChanged(deps));
      await ctx.on(requestPasswordReset, "request-password-reset", requestPasswordResetHandler(deps));
      await ctx.serve(resetPassword, resetPasswordHandler(deps));
    },
  };
}

/** The password service of `npm start` and `ledgerline start --service password`. */
export const passwordService: ServiceDefinition = createPasswordService();
