import type { z } from "zod";
import type { userChanged } from "../../../contracts/accounts/index.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { Tx } from "../../../runtime/service-context.ts";
import type { PasswordDeps } from "../deps.ts";

/**
 * user.changed keeps password's view of users (id, email, status). A user who is no longer
 * ACTIVE (suspended, expired) loses every reset link still open.
 */
export function onUserChanged({ repo, clock }: PasswordDeps) {
  return async (envelope: Envelope, tx: Tx): Promise<void> => {
    const event = envelope.payload as z.infer<typeof userChanged.schema>;
    const saved = await repo.saveUser(tx, {
      id: event.id,
      email: event.email,
      status: event.status,
      version: event.version,
    });
    if (saved && event.status !== "ACTIVE") await repo.voidTokens(tx, event.id, clock.now());
  };
}
