import type { Config } from "../../platform/config.ts";
import type { Clock } from "../../platform/clock.ts";
import type { ServiceContext } from "../../runtime/service-context.ts";
import type { ActivationRepository } from "./db/repository.ts";
import type { ActivationPolicy } from "./domain/activation.ts";

/** What every activation handler is given. */
export interface ActivationDeps {
  readonly ctx: ServiceContext;
  readonly repo: ActivationRepository;
  readonly clock: Clock;
  readonly policy: ActivationPolicy;
}

export const policyFrom = (config: Readonly<Config>): ActivationPolicy => ({
  tokenTtlHours: config.ACTIVATION_TTL_HOURS,
  expireAfterHours: config.ACTIVATION_EXPIRE_HOURS,
});
