import type { Clock } from "../../platform/clock.ts";
import { systemClock } from "../../platform/clock.ts";
import type { ServiceDefinition } from "../../runtime/platform.ts";
import type { ServiceContext } from "../../runtime/service-context.ts";
import { serveCalculateScore } from "./commands/calculate-score.ts";
import { serveGetScore } from "./commands/get-score.ts";
import { scoringMigrations } from "./db/migrations.ts";
import { ScoringRepository } from "./db/repository.ts";
import type { ScoringDeps } from "./deps.ts";
import { onAccountLocked } from "./handlers/on-account-locked.ts";
import { onInvoiceGenerated } from "./handlers/on-invoice-generated.ts";
import { onLoginSucceeded } from "./handlers/on-login-succeeded.ts";
import { onUserChanged } from "./handlers/on-user-changed.ts";

export interface ScoringServiceOptions {
  readonly clock?: Clock;
}

/**
 * scoring: keeps its own copy of what it scores on (user.changed, invoice.generated,
 * account.locked, login.succeeded), calculates on calculate-score and by itself on every
 * invoice.generated, keeps the history, and emits score.calculated each time.
 */
export function createScoringService(options: ScoringServiceOptions = {}): ServiceDefinition {
  return {
    name: "scoring",
    migrations: scoringMigrations,
    async start(ctx: ServiceContext): Promise<void> {
      const deps: ScoringDeps = {
        ctx,
        repo: new ScoringRepository(ctx.schema),
        clock: options.clock ?? systemClock,
      };
      await onUserChanged(deps);
      await onAccountLocked(deps);
      await onLoginSucceeded(deps);
      await onInvoiceGenerated(deps);
      await serveCalculateScore(deps);
      await serveGetScore(deps);
    },
  };
}

/** The scoring service of `npm start` and `ledgerline start --service scoring`. */
export const scoringService: ServiceDefinition = createScoringService();
