import type { z } from "zod";
import { loginSucceeded } from "../../../contracts/login/index.ts";
import type { ScoringDeps } from "../deps.ts";

/**
 * Activity: the UTC days on which the user logged in. A set, so a redelivered login adds nothing
 * and needs no inbox (`ctx.apply`): one statement per login.
 */
export function onLoginSucceeded({ ctx, repo }: ScoringDeps) {
  return ctx.apply(loginSucceeded, "on-login-succeeded", async (envelope, db) => {
    const l = envelope.payload as z.infer<typeof loginSucceeded.schema>;
    await repo.addLoginDay(db, l.userId, l.at.slice(0, 10));
  });
}
