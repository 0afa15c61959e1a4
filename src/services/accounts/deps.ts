import type { Clock } from "../../platform/clock.ts";
import type { ServiceContext } from "../../runtime/service-context.ts";
import type { UsersRepository } from "./db/repository.ts";

/** What every accounts handler is given. */
export interface AccountsDeps {
  readonly ctx: ServiceContext;
  readonly users: UsersRepository;
  readonly clock: Clock;
}
