import { userRegistered } from "../../contracts/accounts/index.ts";
import { confirmActivation, resendActivation } from "../../contracts/activation/index.ts";
import type { Clock } from "../../platform/clock.ts";
import { systemClock } from "../../platform/clock.ts";
import type { ServiceDefinition } from "../../runtime/platform.ts";
import type { ServiceContext } from "../../runtime/service-context.ts";
import { confirmActivationHandler } from "./commands/confirm-activation.ts";
import { resendActivationHandler } from "./commands/resend-activation.ts";
import { activationMigrations } from "./db/migrations.ts";
import { ActivationRepository } from "./db/repository.ts";
import type { ActivationDeps } from "./deps.ts";
import { policyFrom } from "./deps.ts";
import { onUserRegistered } from "./handlers/on-user-registered.ts";
import { sweepExpired } from "./sweep.ts";

export { sweepExpired } from "./sweep.ts";

export interface ActivationServiceOptions {
  readonly clock?: Clock;
  /** How often the expiry sweep runs (default every minute); 0 turns the timer off (tests call sweepExpired). */
  readonly sweepEveryMs?: number;
}

/**
 * activation: the signup→activation saga. user.registered → a link by mail; confirm-activation
 * redeems it once → activation.confirmed; never redeemed in time → activation.expired.
 */
export function createActivationService(options: ActivationServiceOptions = {}): ServiceDefinition {
  const clock = options.clock ?? systemClock;
  const every = options.sweepEveryMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  return {
    name: "activation",
    migrations: activationMigrations,
    async start(ctx: ServiceContext): Promise<void> {
      const deps: ActivationDeps = {
        ctx,
        repo: new ActivationRepository(ctx.schema),
        clock,
        policy: policyFrom(ctx.config),
      };
      await ctx.on(userRegistered, "on-user-registered", onUserRegistered(deps));
      await ctx.on(resendActivation, "resend-activation", resendActivationHandler(deps));
      await ctx.serve(confirmActivation, confirmActivationHandler(deps));
      if (every > 0) {
        timer = setInterval(() => {
          // One sweep at a time; a failed one is logged and the next tick tries again.
          sweeping ??= sweepExpired(ctx, clock.now())
            .then(() => undefined)
            .catch((error: unknown) =>
              ctx.log.warn({ err: error }, "activation expiry sweep failed; will retry"),
            )
            .finally(() => {
              sweeping = undefined;
            });
        }, every);
        timer.unref();
      }
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      await sweeping;
    },
  };
}

/** The activation service of `npm start` and `ledgerline start --service activation`. */
export const activationService: ServiceDefinition = createActivationService();
