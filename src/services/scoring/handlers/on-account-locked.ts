import type { z } from "zod";
import { accountLocked } from "../../../contracts/login/index.ts";
import type { ScoringDeps } from "../deps.ts";

/** Counts lockouts of known users (a lock of an unknown email has no user to score). */
export function onAccountLocked({ ctx, repo }: ScoringDeps) {
  return ctx.on(accountLocked, "on-account-locked", async (envelope, tx) => {
    const l = envelope.payload as z.infer<typeof accountLocked.schema>;
    if (!l.userId) return;
    await repo.addLock(tx, { eventId: envelope.id, userId: l.userId, lockedAt: new Date(l.lockedAt) });
  });
}
