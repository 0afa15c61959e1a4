import type { z } from "zod";
import { userChanged } from "../../../contracts/accounts/index.ts";
import type { InvoicingDeps } from "../deps.ts";

/** Keeps the seller view (name, email, address) in step with accounts; older states are ignored. */
export function onUserChanged({ ctx, repo }: InvoicingDeps) {
  return ctx.on(userChanged, "on-user-changed", async (envelope, tx) => {
    const u = envelope.payload as z.infer<typeof userChanged.schema>;
    await repo.upsertSeller(tx, {
      userId: u.id,
      email: u.email,
      fullName: u.fullName,
      address: u.address,
      status: u.status,
      version: u.version,
    });
  });
}
