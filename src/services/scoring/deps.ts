import type { Clock } from "../../platform/clock.ts";
import type { ServiceContext } from "../../runtime/service-context.ts";
import type { ScoringRepository } from "./db/repository.ts";

export interface ScoringDeps {
  readonly ctx: ServiceContext;
  readonly repo: ScoringRepository;
  readonly clock: Clock;
}
