import type { z } from "zod";
import { loginSucceeded } from "../../../contracts/login/index.ts";
import type { ScoringDeps } from "../deps.ts";

/** Activity: the UTC days on which the user logged in. */
export function onLoginSucceeded({ ctx, repo }: ScoringDeps) {
  return ctx.on(loginSucceeded, "on-login-succeeded", async (envelope, tx) => {
    const l = envelope.payload as z.infer<typeof loginSucceeded.schema>;
    await repo.addLoginDay(tx, l.userId, l.at.slice(0, 10));
  });
}
