import { activationExpired } from "../../contracts/activation/index.ts";
import type { ServiceContext } from "../../runtime/service-context.ts";
import { ActivationRepository } from "./db/repository.ts";
import { policyFrom } from "./deps.ts";
import { expiryCutoff } from "./domain/activation.ts";

const BATCH = 200;

/**
 * The saga's compensation: every registration not activated within ACTIVATION_EXPIRE_HOURS of
 * `now` is expired, its links voided, and activation.expired tells accounts to expire the user
 * and free the email. Each batch commits with its events; returns how many expired.
 */
export async function sweepExpired(ctx: ServiceContext, now: Date): Promise<number> {
  const repo = new ActivationRepository(ctx.schema);
  const cutoff = expiryCutoff(now, policyFrom(ctx.config));
  let total = 0;
  for (;;) {
    const expired = await ctx.transaction(async (tx) => {
      const due = await repo.expireDue(tx, cutoff, now, BATCH);
      if (due.length === 0) return 0;
      await repo.voidTokens(
        tx,
        due.map((r) => r.userId),
        now,
      );
      for (const r of due)
        tx.emit(activationExpired, r.userId, { userId: r.userId, email: r.email, at: now.toISOString() });
      return due.length;
    });
    total += expired;
    if (expired < BATCH) break;
  }
  if (total > 0) ctx.log.info({ expired: total }, "unactivated registrations expired");
  return total;
}
