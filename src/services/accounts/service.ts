import {
  changePassword,
  createAdmin,
  getProfile,
  listUsers,
  registerUser,
  setPassword,
  suspendUser,
  unsuspendUser,
  updateProfile,
} from "../../contracts/accounts/index.ts";
import { activationConfirmed, activationExpired } from "../../contracts/activation/index.ts";
import type { Clock } from "../../platform/clock.ts";
import { systemClock } from "../../platform/clock.ts";
import type { ServiceDefinition } from "../../runtime/platform.ts";
import type { ServiceContext } from "../../runtime/service-context.ts";
import { changePasswordHandler } from "./commands/change-password.ts";
import { createAdminHandler } from "./commands/create-admin.ts";
import { getProfileHandler } from "./commands/get-profile.ts";
import { listUsersHandler } from "./commands/list-users.ts";
import { registerUserHandler } from "./commands/register-user.ts";
import { setPasswordHandler } from "./commands/set-password.ts";
import { suspendUserHandler } from "./commands/suspend-user.ts";
import { unsuspendUserHandler } from "./commands/unsuspend-user.ts";
import { updateProfileHandler } from "./commands/update-profile.ts";
import { accountsMigrations } from "./db/migrations.ts";
import { UsersRepository } from "./db/repository.ts";
import type { AccountsDeps } from "./deps.ts";
import { onActivationConfirmed } from "./handlers/on-activation-confirmed.ts";
import { onActivationExpired } from "./handlers/on-activation-expired.ts";

/**
 * accounts: the source of truth for users. Every change is published as user.changed (full
 * state, no hash) and, when login's view needs it, user-credentials.changed, keyed by user id.
 */
export function createAccountsService(options: { clock?: Clock } = {}): ServiceDefinition {
  return {
    name: "accounts",
    migrations: accountsMigrations,
    async start(ctx: ServiceContext): Promise<void> {
      const deps: AccountsDeps = {
        ctx,
        users: new UsersRepository(ctx.schema),
        clock: options.clock ?? systemClock,
      };
      await ctx.on(registerUser, "register-user", registerUserHandler(deps));
      await ctx.on(setPassword, "set-password", setPasswordHandler(deps));
      await ctx.on(activationConfirmed, "on-activation-confirmed", onActivationConfirmed(deps));
      await ctx.on(activationExpired, "on-activation-expired", onActivationExpired(deps));
      await ctx.serve(changePassword, changePasswordHandler(deps));
      await ctx.query(getProfile, getProfileHandler(deps));
      await ctx.serve(updateProfile, updateProfileHandler(deps));
      await ctx.query(listUsers, listUsersHandler(deps));
      await ctx.serve(suspendUser, suspendUserHandler(deps));
      await ctx.serve(unsuspendUser, unsuspendUserHandler(deps));
      await ctx.serve(createAdmin, createAdminHandler(deps));
    },
  };
}

/** The accounts service of `npm start` and `ledgerline start --service accounts`. */
export const accountsService: ServiceDefinition = createAccountsService();
