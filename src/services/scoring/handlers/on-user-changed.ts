import type { z } from "zod";
import { userChanged } from "../../../contracts/accounts/index.ts";
import type { ScoringDeps } from "../deps.ts";

/** Account status (activation) and signup time (account age), newest state wins. */
export function onUserChanged({ ctx, repo }: ScoringDeps) {
  return ctx.on(userChanged, "on-user-changed", async (envelope, tx) => {
    const u = envelope.payload as z.infer<typeof userChanged.schema>;
    await repo.upsertUser(tx, {
      userId: u.id,
      status: u.status,
      createdAt: new Date(u.createdAt),
      version: u.version,
    });
  });
}
