import type { z } from "zod";
import { accountUnlocked } from "../../../contracts/lockout/index.ts";
import type { ServiceContext } from "../../../runtime/service-context.ts";
import type { LoginRepository } from "../db/repository.ts";
import { cleanState } from "../domain/lockout-policy.ts";

/** An admin lifted the lock: the counter starts again from zero. */
export function onAccountUnlocked(ctx: ServiceContext, repo: LoginRepository) {
  return ctx.on(accountUnlocked, "on-account-unlocked", async (envelope, tx) => {
    const { email } = envelope.payload as z.infer<typeof accountUnlocked.schema>;
    await repo.saveAttempts(tx, email, cleanState);
  });
}
