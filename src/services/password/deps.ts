import type { Clock } from "../../platform/clock.ts";
import type { ServiceContext } from "../../runtime/service-context.ts";
import type { PasswordRepository } from "./db/repository.ts";

/** What every password handler is given. */
export interface PasswordDeps {
  readonly ctx: ServiceContext;
  readonly repo: PasswordRepository;
  readonly clock: Clock;
}
